"""Outgoing mail through a transactional outbox: a use case adds its message to its own
transaction (`outbox.queue`), the commit queues a job to send it, and the job sends it once
over SMTP (or, without MAIL_URL, into instance/mail/), retrying with back-off."""
