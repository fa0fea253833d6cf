"""Delivering an alert: email through SMTP (smtplib) and/or a webhook that takes {"text": …} (the shape
Teams, Slack and Mattermost incoming webhooks accept). A webhook's URL is its secret: errors name only its
host."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

import requests

TIMEOUT = 15


def channels_of(settings) -> list[str]:
    """The channels [alerts] configures: "email", "webhook"."""
    return [name for name, on in (("email", bool(settings.smtp_host and settings.email_to)), ("webhook", bool(settings.webhook_url))) if on]


def deliver(settings, subject: str, body: str) -> tuple[list[str], list[str]]:
    """(the channels that took the message, what failed on the others)."""
    delivered, errors = [], []
    if "email" in channels_of(settings):
        try:
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = subject, settings.email_from, ", ".join(settings.email_to)
            message.set_content(body)
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, os.environ.get("CASEBOT_SMTP_PASSWORD", ""))
                smtp.send_message(message)
            delivered.append("email")
        except (OSError, smtplib.SMTPException) as e:
            errors.append(f"email via {settings.smtp_host}:{settings.smtp_port}: {e}")
    if "webhook" in channels_of(settings):
        host = urlsplit(settings.webhook_url).netloc
        try:
            requests.post(settings.webhook_url, json={"text": f"{subject}\n{body}"}, timeout=TIMEOUT).raise_for_status()
            delivered.append("webhook")
        except requests.RequestException as e:
            status = e.response.status_code if getattr(e, "response", None) is not None else None
            errors.append(f"webhook at {host}: " + (f"HTTP {status}" if status else type(e).__name__))
    return delivered, errors
