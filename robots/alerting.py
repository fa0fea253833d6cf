"""Delivering an alert: email through SMTP (smtplib) and/or a webhook that takes {"text": …} (the shape
Teams, Slack and Mattermost incoming webhooks accept). Returns what failed, or None when every configured
channel took it; with no channel configured there is nothing to deliver, and that is no error."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

import requests

TIMEOUT = 15


def deliver(settings, subject: str, body: str) -> str | None:
    problems = []
    if settings.smtp_host and settings.email_to:
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
        except (OSError, smtplib.SMTPException) as e:
            problems.append(f"email via {settings.smtp_host}:{settings.smtp_port}: {e}")
    if settings.webhook_url:
        try:
            requests.post(settings.webhook_url, json={"text": f"{subject}\n{body}"}, timeout=TIMEOUT).raise_for_status()
        except requests.RequestException as e:
            problems.append(f"webhook {settings.webhook_url}: {e}")
    return "; ".join(problems) or None
