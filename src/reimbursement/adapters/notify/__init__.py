"""Notification channels: e-mail over SMTP, Standard Webhooks, the in-app inbox, SMS.

Each module holds one channel adapter (a
:class:`~reimbursement.notify.ports.ChannelAdapter`) for the
:class:`~reimbursement.notify.ChannelRouter`:

- :mod:`.email`: :class:`~.email.SmtpEmailChannel` (standard library ``smtplib``);
- :mod:`.webhook`: :class:`~.webhook.WebhookChannel` (the ``[notify]`` extra: httpx,
  standardwebhooks);
- :mod:`.inbox`: :class:`~.inbox.InboxChannel` over an
  :class:`~reimbursement.notify.ports.InboxStore` (in memory or SQL);
- :mod:`.sms`: :class:`~.sms.SmsChannel` over your
  :class:`~reimbursement.notify.ports.SmsGateway`.

Import the module you use; only the webhook channel needs the extra.
"""
