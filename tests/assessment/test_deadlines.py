"""A round's dates as data: late acts refused or marked by the round's rule, what is overdue on a day, and reminders
given once each, as events and as e-mail through a real SMTP server."""

from scenarios.rounds import OVERALL, A
from services.assessment.deadlines.mailer import deliver_once
from tests.kit import free_ports, refused

TPI, MUARA_ENIM, BINTAN = "21.72", "16.03", "21.01"
CONTACT = "diskominfo@tanjungpinangkota.go.id"
READINESS = {"key": "readiness", "name": "Kesiapan (mandiri)", "kind": "self", "weight": 30, "scale_min": 1,
             "scale_max": 5}


async def _inviting_round(gw, auth) -> tuple[int, str]:
    officer = auth("kominfo_officer")
    rubric = await gw.post(f"{A}/rubrics", headers=officer, json={
        "code": "test-deadlines", "title": "Rubric", "components": [{**OVERALL, "weight": 70}, READINESS]})
    rnd = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2019, "title": "Gerakan Menuju 100 Smart City 2019", "quota": 1, "starts_on": "2019-03-01",
        "ends_on": "2019-03-02", "venue": "Pustiknas", "rubric_id": rubric.json()["id"], "equity_rules": {}})
    rid = rnd.json()["id"]
    assert (await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer,
                          json={"region_codes": [TPI, MUARA_ENIM, BINTAN]})).status_code == 200
    moved = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "inviting"})
    return rid, moved.headers["etag"]


def _dates(late: str = "refuse") -> dict:
    return {"items": [
        {"kind": "invitation_answer", "due_on": "2019-02-15", "late": late, "remind_days_before": [3]},
        {"kind": "self_assessment", "due_on": "2019-02-22", "late": "refuse", "remind_days_before": [7, 1]},
        {"kind": "interviews", "opens_on": "2019-03-01", "due_on": "2019-03-02"},
        {"kind": "announcement", "due_on": "2019-03-20"},
        {"kind": "appeal", "opens_on": "2019-03-21", "due_on": "2019-03-27"}]}


async def test_late_answers_follow_the_rounds_rule_and_overdue_is_read_on_a_day(gw, auth):
    officer = auth("kominfo_officer")
    rid, etag = await _inviting_round(gw, auth)
    put = f"{A}/rounds/{rid}/deadlines"
    refused(await gw.put(put, headers=officer, json=_dates()), 428, "precondition-required")
    backwards = _dates()
    backwards["items"][1]["due_on"] = "2019-02-01"
    refused(await gw.put(put, headers={**officer, "If-Match": etag}, json=backwards), 422, "validation")
    r = await gw.put(put, headers={**officer, "If-Match": etag}, json=_dates())
    assert r.status_code == 200, r.text
    assert [d["kind"] for d in r.json()] == ["invitation_answer", "self_assessment", "interviews", "announcement",
                                            "appeal"]
    etag = r.headers["etag"]

    # On time: taken. After the deadline, under "refuse": refused, nothing recorded.
    pemda = auth("pemda", region=TPI)
    ok = await gw.patch(f"{A}/rounds/{rid}/invitations/{TPI}", headers=pemda, json={
        "status": "accepted", "answered_on": "2019-02-15", "contact_email": CONTACT})
    assert ok.status_code == 200 and ok.json()["answered_late"] is False and ok.json()["contact_email"] == CONTACT
    late = await gw.patch(f"{A}/rounds/{rid}/invitations/{MUARA_ENIM}", headers=auth("pemda", region=MUARA_ENIM),
                          json={"status": "accepted", "answered_on": "2019-02-16"})
    body = refused(late, 409, "deadline-passed")
    assert body["extra"] == {"kind": "invitation_answer", "due_on": "2019-02-15", "acted_on": "2019-02-16"}
    bulk = await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer, json={"items": [
        {"region_code": MUARA_ENIM, "status": "accepted", "answered_on": "2019-02-18"}]})
    assert refused(bulk, 422, "validation")["errors"][0]["type"] == "deadline-passed"

    # The officer settles late answers as accepted and marked.
    r = await gw.put(put, headers={**officer, "If-Match": etag}, json=_dates(late="accept_marked"))
    assert r.status_code == 200
    marked = await gw.patch(f"{A}/rounds/{rid}/invitations/{MUARA_ENIM}", headers=auth("pemda", region=MUARA_ENIM),
                            json={"status": "accepted", "answered_on": "2019-02-16"})
    assert marked.status_code == 200 and marked.json()["answered_late"] is True

    # What is overdue depends on the day asked, never on today.
    on_16 = (await gw.get(f"{A}/rounds/{rid}/overdue", headers=officer, params={"on": "2019-02-16"})).json()
    assert [(o["region_code"], o["kind"], o["days_overdue"]) for o in on_16] == [(BINTAN, "invitation_answer", 1)]
    on_25 = (await gw.get(f"{A}/rounds/{rid}/overdue", headers=officer, params={"on": "2019-02-25"})).json()
    assert {(o["region_code"], o["kind"]) for o in on_25} == {
        (BINTAN, "invitation_answer"), (TPI, "self_assessment"), (MUARA_ENIM, "self_assessment")}
    own = (await gw.get(f"{A}/rounds/{rid}/overdue", headers=pemda, params={"on": "2019-02-25"})).json()
    assert [(o["region_code"], o["kind"]) for o in own] == [(TPI, "self_assessment")]
    on_21_mar = (await gw.get(f"{A}/rounds/{rid}/overdue", headers=officer, params={"on": "2019-03-21"})).json()
    assert {"region_code": None, "region_code_today": None, "region_name": None, "kind": "announcement",
            "due_on": "2019-03-20", "days_overdue": 1} in on_21_mar

    # A self-assessment after its deadline is refused (that deadline's rule is "refuse"); one in time is dated.
    path = f"{A}/rounds/{rid}/self-assessments/{TPI}"
    late_self = await gw.put(path, headers=pemda, json={"items": [{"component_key": "readiness", "value": 4}],
                                                         "submitted_on": "2019-02-23"})
    assert refused(late_self, 409, "deadline-passed")["extra"]["kind"] == "self_assessment"
    assert (await gw.put(path, headers=pemda, json={"items": [{"component_key": "readiness", "value": 4}],
                                                    "submitted_on": "2019-02-22"})).status_code == 200
    on_25 = (await gw.get(f"{A}/rounds/{rid}/overdue", headers=pemda, params={"on": "2019-02-25"})).json()
    assert on_25 == []


async def test_reminders_are_given_once_as_events_and_e_mail(gw, auth, apps, sessionmakers, settings, smtp):
    inbox, port = smtp
    officer = auth("kominfo_officer")
    rid, etag = await _inviting_round(gw, auth)
    assert (await gw.put(f"{A}/rounds/{rid}/deadlines", headers={**officer, "If-Match": etag},
                         json=_dates())).status_code == 200
    await gw.patch(f"{A}/rounds/{rid}/invitations/{TPI}", headers=auth("pemda", region=TPI), json={
        "status": "accepted", "answered_on": "2019-02-11", "contact_email": CONTACT})

    # Too early for any reminder.
    early = (await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2019-02-01"})).json()
    assert early == {"created": [], "already_given": 0}
    # 15 February: Bintan and Muara Enim have not answered (due that day, 3 days' notice reached);
    # Tanjung Pinang owes its self-assessment, due the 22nd (7 days' notice reached).
    run = (await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2019-02-15"})).json()
    given = {(r["region_code"], r["kind"], r["days_before"], r["mail_state"]) for r in run["created"]}
    assert given == {(BINTAN, "invitation_answer", 3, "no_address"),
                     (MUARA_ENIM, "invitation_answer", 3, "no_address"), (TPI, "self_assessment", 7, "pending")}
    again = (await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2019-02-15"})).json()
    assert again == {"created": [], "already_given": 3}
    # Past the answers' deadline they are overdue, no longer reminded; the self-assessment's notice stands.
    later = (await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2019-02-16"})).json()
    assert later == {"created": [], "already_given": 1}

    relay = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    assert await deliver_once(sessionmakers["assessment"], relay) == 1
    assert await deliver_once(sessionmakers["assessment"], relay) == 0  # at most once
    [message] = inbox.messages
    assert message["To"] == CONTACT and message["From"] == settings.mail_from
    assert message["Subject"] == ("Pengingat: batas waktu penilaian mandiri dan bukti dukung Gerakan Menuju 100 "
                                  "Smart City 2019 pada 22-02-2019")
    assert "22-02-2019" in message.get_content()

    listed = (await gw.get(f"{A}/rounds/{rid}/reminders", headers=officer)).json()
    states = {r["region_code"]: r["mail_state"] for r in listed}
    assert states == {BINTAN: "no_address", MUARA_ENIM: "no_address", TPI: "sent"}
    feed = (await gw.get(f"{A}/events", headers=officer)).json()["items"]
    reminders = [e["payload"] for e in feed if e["type"] == "deadline.reminder"]
    assert {(p["region_code"], p["kind"], p["due_on"]) for p in reminders} == {
        (BINTAN, "invitation_answer", "2019-02-15"), (MUARA_ENIM, "invitation_answer", "2019-02-15"),
        (TPI, "self_assessment", "2019-02-22")}

    # The next notice (1 day before) is a reminder of its own; a relay that refuses is recorded, not retried.
    await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2019-02-21"})
    closed = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_ports(1, start=18960)[0]})
    assert await deliver_once(sessionmakers["assessment"], closed) == 0
    assert await deliver_once(sessionmakers["assessment"], relay) == 0
    last = (await gw.get(f"{A}/rounds/{rid}/reminders", headers=officer)).json()[-1]
    assert (last["days_before"], last["mail_state"]) == (1, "failed") and "Connection" in last["mail_error"]
    assert len(inbox.messages) == 1
