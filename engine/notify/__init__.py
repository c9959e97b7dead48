"""Delivering the notification outbox (engine/cases/notices.py writes it): transports for e-mail (SMTP) and
for SMS and WhatsApp (an HTTP gateway), claiming due messages, retrying with back-off, and what officers see
of each message's delivery."""
