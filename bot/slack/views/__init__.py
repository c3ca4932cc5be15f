"""Block Kit and plain texts, built by pure functions: data in, Slack JSON or text out. No I/O.

Every user-supplied or Braze-supplied string that lands in mrkdwn goes through `mrkdwn.inert`
(text) or `mrkdwn.code` (IDs): no link, mention, formatting or fake line. plain_text fields are
not parsed by Slack and are left as typed. Every text a person reads comes from the catalogue
through the `Translator` passed in (`bot.i18n`).

`ids` holds every ID the bot puts on a surface and reads back; `modals`, `card`, `replies`
(thread replies), `home` (the App Home tab) and `texts` (private answers) build one surface
each, from Block Kit `elements` and the `labels` of a request and its parts.
"""
