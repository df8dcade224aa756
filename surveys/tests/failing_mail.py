"""An email backend whose server is down, for the test that launch writes nothing then."""

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("connection refused")
