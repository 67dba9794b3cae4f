"""Fixtures of the assessment tests: a real SMTP server that keeps what it is sent."""

import email
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from tests.kit import free_ports


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_ports(1, start=18950)[0])
    controller.start()
    yield inbox, controller.port
    controller.stop()
