"""Reminder e-mails, each sent at most once: a reminder is claimed (`sending`, committed) before the relay is
called, and whatever the relay answers is recorded; a failed one is not tried again."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.background import running
from services.common.mail import Mail, NoRelay, send
from services.common.settings import Settings

from ..models import Reminder, Round
from .schemas import LABELS_ID, DeadlineKind

log = logging.getLogger("smartcity.reminders")
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def compose(reminder: Any, round_title: str) -> Mail:
    """The message, in Indonesian: what is due, by when, for which round."""
    what = LABELS_ID[DeadlineKind(reminder.kind)]
    due = reminder.due_on.strftime("%d-%m-%Y")
    return Mail(to=reminder.to_address, subject=f"Pengingat: batas waktu {what} {round_title} pada {due}", body=(
        f"Yth. Pemerintah Daerah {reminder.region_code_today},\n\n"
        f"Batas waktu {what} untuk {round_title} adalah {due}. Menurut catatan kami, daerah Anda belum "
        f"menyelesaikannya.\n\nPesan ini dikirim otomatis oleh sistem Gerakan Menuju 100 Smart City "
        f"(pengingat {reminder.days_before} hari sebelum batas waktu).\n"))


async def deliver_once(sessions: Sessions, settings: Settings) -> int:
    """Sends every pending reminder once; how many the relay took."""
    sent = 0
    while True:
        async with sessions() as session:
            row = await session.scalar(select(Reminder).where(Reminder.mail_state == "pending")
                                       .order_by(Reminder.id).limit(1).with_for_update(skip_locked=True))
            if row is None:
                return sent
            title = await session.scalar(select(Round.title).where(Round.id == row.round_id))
            mail = compose(row, title or "")
            row.mail_state = "sending"
            await session.commit()
            reminder_id = row.id
        state, error = "sent", None
        try:
            await send(settings, mail)
            sent += 1
        except NoRelay as exc:
            state, error = "no_relay", str(exc)
        except (smtplib.SMTPException, OSError) as exc:
            state, error = "failed", f"{type(exc).__name__}: {exc}"
            log.warning("reminder %s not sent: %s", reminder_id, error)
        async with sessions() as session:
            await session.execute(update(Reminder).where(Reminder.id == reminder_id).values(
                mail_state=state, mail_error=error, sent_at=clock.now() if state == "sent" else None))
            await session.commit()


async def _deliver_forever(sessions: Sessions, settings: Settings, interval: float) -> None:
    while True:
        try:
            await deliver_once(sessions, settings)
        except Exception as exc:  # the database was away: try again next time, never stop the process
            log.warning("reminder mailer: %s", type(exc).__name__)
        await asyncio.sleep(interval)


@asynccontextmanager
async def reminder_mailer(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    interval = settings.event_poll_seconds
    async with running(_deliver_forever(app.state.sessionmaker, settings, interval) if interval > 0 else None):
        yield
