"""The programme's rules, one problem `type` each, so clients match on the rule and not on the message."""

from __future__ import annotations

from services.common.errors import Conflict


class RegionAlreadySelected(Conflict):
    slug, title = "region-already-selected", "The region was selected in an earlier round"
    title_id = "Daerah sudah terpilih pada putaran sebelumnya"


class SessionOutsideRound(Conflict):
    slug, title = "session-outside-round", "The session lies outside its round's dates"
    title_id = "Sesi berada di luar tanggal putaran"


class AttendanceNotOpen(Conflict):
    slug, title = "attendance-not-open", "Attendance is not recorded in this state of the round"
    title_id = "Kehadiran belum dapat dicatat pada tahap putaran ini"


class ScoresOwed(Conflict):
    slug, title = "scores-owed", "Panel scores are still owed"
    title_id = "Masih ada nilai panel yang belum dikirim"


class ConflictOfInterest(Conflict):
    slug, title = "conflict-of-interest", "A conflict of interest keeps this assessor from this region"
    title_id = "Benturan kepentingan: penilai tidak boleh menilai daerah ini"


class ScoringStarted(Conflict):
    slug, title = "scoring-started", "Scoring on this session has started"
    title_id = "Penilaian pada sesi ini sudah dimulai"


class InvitationWithdrawn(Conflict):
    slug, title = "invitation-withdrawn", "The invitation was withdrawn"
    title_id = "Undangan telah ditarik"


class ActDateOrder(Conflict):
    slug, title = "act-date-order", "The acts' dates run backwards"
    title_id = "Tanggal tindakan tidak berurutan"


class LetterNumbered(Conflict):
    slug, title = "letter-numbered", "The letter has its number already"
    title_id = "Surat sudah bernomor"


class RoundFrozen(Conflict):
    slug, title = "round-frozen", "The round is final: its scores and results no longer change"
    title_id = "Putaran sudah final: nilai dan hasilnya tidak dapat diubah"


class RoundStateForbids(Conflict):
    slug, title = "round-state", "The round is not in a state that allows this"
    title_id = "Tahap putaran tidak memungkinkan tindakan ini"


class ScoresAlreadySubmitted(Conflict):
    slug, title = "scores-already-submitted", "The scores were submitted and are locked"
    title_id = "Nilai sudah dikirim dan terkunci"


class RubricLocked(Conflict):
    slug, title = "rubric-locked", "The rubric is used by a round; change it by a new version"
    title_id = "Rubrik sudah dipakai putaran; buat versi baru"


class InvitationNotAccepted(Conflict):
    slug, title = "invitation-not-accepted", "The region has not accepted the invitation"
    title_id = "Daerah belum menerima undangan"


class ScoresIncomplete(Conflict):
    slug, title = "scores-incomplete", "Every panel component must be scored before submitting"
    title_id = "Semua komponen panel harus dinilai sebelum dikirim"


class RegionInAnotherSession(Conflict):
    slug, title = "region-in-another-session", "The region is heard in another session"
    title_id = "Daerah sudah dijadwalkan pada sesi lain"


class AssessorOnAnotherPanel(Conflict):
    slug, title = "assessor-on-another-panel", "The assessor sits on another panel at that time"
    title_id = "Penilai sudah duduk di panel lain pada waktu tersebut"


class DeadlinePassed(Conflict):
    slug, title = "deadline-passed", "The act is dated after its deadline, and the round refuses late ones"
    title_id = "Tindakan bertanggal setelah batas waktunya, dan putaran ini menolak yang terlambat"


class AppealWindowClosed(Conflict):
    slug, title = "appeal-window-closed", "The appeal is dated outside the window the round states"
    title_id = "Sanggahan bertanggal di luar masa sanggah yang ditetapkan putaran"


class AppealDecided(Conflict):
    slug, title = "appeal-decided", "The appeal is decided already; a decision is not changed"
    title_id = "Sanggahan sudah diputus; putusan tidak diubah"


class NoUpheldAppeal(Conflict):
    slug, title = "no-upheld-appeal", "No upheld appeal waits to be taken into the result"
    title_id = "Tidak ada sanggahan diterima yang menunggu dimasukkan ke hasil"


class ComponentNotReopened(Conflict):
    slug, title = "component-not-reopened", "A published result changes only where an upheld appeal re-opened it"
    title_id = "Hasil yang diumumkan hanya berubah pada bagian yang dibuka kembali oleh sanggahan yang diterima"


class FragileDecisionsUnreviewed(Conflict):
    slug, title = "fragile-decisions-unreviewed", "Fragile decisions still need the committee's review"
    title_id = "Keputusan yang rapuh belum ditinjau komite"


class AssignmentInfeasible(Conflict):
    slug, title = "assignment-infeasible", "No assignment of panels meets every rule"
    title_id = "Tidak ada susunan panel yang memenuhi semua aturan"
