"""Deutsch: was eine Person als Antwort sieht — Formulare, Antworten auf /sendid und Klicks,
Home-Tab, Formularfehler."""

from __future__ import annotations

from bot.i18n.keys import Msg

ANSWERS: dict[Msg, str] = {
    Msg.MODAL_REQUEST_TITLE: "Sende-ID anfordern",
    Msg.MODAL_REQUEST_SUBMIT: "Anfordern",
    Msg.MODAL_CANCEL: "Abbrechen",
    Msg.MODAL_BACK: "Zurück",
    Msg.MODAL_CAMPAIGN_LABEL: "Campaign-ID",
    Msg.MODAL_CAMPAIGN_HINT: "Die API-Kennung der Campaign, zu finden auf ihrer Seite in Braze.",
    Msg.MODAL_SEND_ID_LABEL: "Sende-ID",
    Msg.MODAL_SEND_ID_PLACEHOLDER: "z. B. fruehjahr_2026_welle1",
    Msg.MODAL_SEND_ID_HINT: (
        "Optional. Leer lassen, dann erzeugt Braze eine. "
        "1–64 druckbare ASCII-Zeichen, keine Leerzeichen."
    ),
    Msg.MODAL_SEND_ID_HINT_RULE: (
        "Hier erforderlich: Sende-IDs in diesem Channel folgen einer Namensregel, z. B. {example}"
    ),
    Msg.MODAL_PURPOSE_LABEL: "Zweck",
    Msg.MODAL_PURPOSE_HINT: "Optional. Wofür der Versand ist; Freigebende sehen es auf der Karte.",
    Msg.MODAL_PURPOSE_PLACEHOLDER: "z. B. zweite Welle des Black-Friday-Push, nur EU",
    Msg.MODAL_REQUEST_CONTEXT: (
        "Eine freigebende Person bestätigt in {channel}, bevor Braze aufgerufen wird."
    ),
    Msg.MODAL_REJECT_TITLE: "Anfrage ablehnen",
    Msg.MODAL_REJECT_SUBMIT: "Ablehnen",
    Msg.MODAL_REJECT_WHAT: (
        "Du lehnst die Anfrage von {requester} nach einer Sende-ID für {campaign} (Sende-ID "
        "{send_id}) in {channel} ab. Braze wird nicht aufgerufen; die anfragende Person erfährt "
        "es im Thread der Karte."
    ),
    Msg.MODAL_REASON_LABEL: "Begründung",
    Msg.MODAL_REASON_HINT: "Optional. Wird der anfragenden Person im Thread der Anfrage gezeigt.",
    Msg.NOT_PERMITTED: (
        "`/sendid` funktioniert hier nicht. Es funktioniert in diesen Channels: {channels}."
    ),
    Msg.HELP: (
        "*Send ID bot* erstellt Braze-Sende-IDs, nachdem eine freigebende Person zugestimmt hat.\n"
        "• `/sendid` öffnet das Anfrageformular.\n"
        "• `/sendid &lt;campaign_id&gt; [send_id]` öffnet es vorausgefüllt.\n"
        "• `/sendid history` zeigt die letzten Anfragen in diesem Channel (nur dir).\n"
        "• `/sendid quota` zeigt, was über das heutige Braze-Kontingent an Sende-IDs "
        "bekannt ist.\n"
        "• `/sendid stats &lt;send_id&gt;` zeigt die Ergebnisse einer erstellten Sende-ID "
        "(nur dir).\n"
        "• `/sendid help` zeigt diese Hilfe.\n"
        "Bleibt die Sende-ID leer, erzeugt Braze eine. Freigebende klicken auf der Karte auf "
        "*Freigeben*; das Ergebnis erscheint im Thread der Karte."
    ),
    Msg.UNKNOWN_WORD: (
        "{word} ist weder ein Unterbefehl noch eine Campaign-ID (Campaign-IDs sehen so aus: "
        "`3f1c9e2a-5b7d-4c8e-9a10-1b2c3d4e5f60`). Verwendung: `/sendid`, "
        "`/sendid &lt;campaign_id&gt; [send_id]`, `/sendid history`, `/sendid quota`, "
        "`/sendid stats &lt;send_id&gt;`, `/sendid help`."
    ),
    Msg.TOO_MANY_WORDS: (
        "Zu viele Wörter. Verwendung: `/sendid`, `/sendid &lt;campaign_id&gt; [send_id]`, "
        "`/sendid history`, `/sendid quota`, `/sendid stats &lt;send_id&gt;`, `/sendid help`."
    ),
    Msg.COMMAND_FAILED: (
        "Das hat leider nicht geklappt (ein interner Fehler, für den Admin protokolliert). "
        "Versuch es erneut."
    ),
    Msg.HISTORY_EMPTY: "In diesem Channel gibt es noch keine Sende-ID-Anfragen.",
    Msg.HISTORY_TITLE: "*Letzte Sende-ID-Anfragen in diesem Channel:*",
    Msg.HISTORY_LINE: "• {when} {requester} {campaign} → {send_id}: *{state}*",
    Msg.QUOTA_NOTHING_KNOWN: (
        "Über das heutige Braze-Kontingent an Sende-IDs ist noch nichts bekannt (höchstens 100 "
        "pro Tag, sofern Braze es nicht erhöht hat); es wird aus Braze' Antworten auf jede "
        "Erstellung gelesen."
    ),
    Msg.QUOTA_USED_UP: " *Aufgebraucht.*",
    Msg.QUOTA_REPORT: "{line}{used_up} (Stand laut Braze: {seen})",
    Msg.REFUSAL_CHANNEL: (
        "In diesem Channel sind Sende-ID-Anfragen nicht erlaubt. Sie funktionieren in: {channels}"
    ),
    Msg.REFUSAL_WRONG_CHANNEL: (
        "Dieser Button gehört zu einer Anfrage in einem anderen Channel; nichts wurde geändert."
    ),
    Msg.REFUSAL_NOT_APPROVER: (
        "Nur Freigebende können über Sende-ID-Anfragen entscheiden; nichts wurde geändert."
    ),
    Msg.REFUSAL_SELF_APPROVAL: (
        "Du hast diese Anfrage gestellt, daher muss eine andere freigebende Person entscheiden."
    ),
    Msg.REFUSAL_NOT_REQUESTER: "Das kann nur die anfragende Person.",
    Msg.REFUSAL_NOT_ADMIN: (
        "Nur die Admins des Bots können diese Anfrage erneut versuchen: Zuerst muss ihre "
        "Braze-Verbindung behoben werden. Nichts wurde geändert."
    ),
    Msg.REFUSAL_NOT_MEMBER: (
        "Diese Anfrage ist in einem privaten Channel, und nur seine Mitglieder können außerhalb "
        "des Channels darauf reagieren; ich konnte nicht bestätigen, dass du eins bist, daher "
        "wurde nichts geändert. Ein Mitglied des Channels entscheidet auf ihrer Karte, oder "
        "lass dich in den Channel aufnehmen."
    ),
    Msg.REFUSAL_FOREIGN: (
        "Der Send ID bot arbeitet nur für seinen eigenen Slack-Workspace, und das kam aus "
        "einem anderen Workspace, einer anderen App oder Organisation: Nichts wurde geändert. "
        "Eine Sende-ID beantragt ein Mitglied des Bot-Workspaces dort mit `/sendid`, oder dein "
        "Slack-Admin installiert den Bot für deinen Workspace."
    ),
    Msg.ALREADY_UNKNOWN: "Diese Anfrage kenne ich nicht mehr; nichts wurde geändert.",
    Msg.ALREADY_APPROVED: "Bereits freigegeben von {who}{when}; nichts wurde geändert.",
    Msg.ALREADY_REJECTED: "Bereits abgelehnt von {who}{when}; nichts wurde geändert.",
    Msg.ALREADY_EXPIRED: (
        "Diese Anfrage ist abgelaufen; nichts wurde geändert. Wer sie noch braucht, kann mit "
        "*Erneut anfordern* auf der Karte neu anfragen."
    ),
    Msg.ALREADY_CANCELLED: "Diese Anfrage wurde zurückgezogen; nichts wurde geändert.",
    Msg.ALREADY_PENDING: "Diese Anfrage wartet noch auf Freigabe.",
    Msg.APPROVERS_UNREADABLE: (
        "Ich konnte nicht prüfen, wer freigeben darf ({error}). Nichts wurde geändert; "
        "versuch es in einer Minute erneut."
    ),
    Msg.ACTION_FAILED: (
        "Leider ist {what} fehlgeschlagen: ein interner Fehler, für die Admins protokolliert. "
        "Die Karte zeigt, wo die Anfrage steht; versuch es erneut oder bitte einen Admin, die "
        "Logs des Bots zu prüfen."
    ),
    Msg.DOING_APPROVE: "das Freigeben der Anfrage",
    Msg.DOING_REJECT: "das Ablehnen der Anfrage",
    Msg.DOING_RETRY: "der erneute Versuch",
    Msg.DOING_REPOST: "das erneute Posten der Karte",
    Msg.DOING_POST_CARD: "das Posten der Karte",
    Msg.DOING_OPEN_FORM: "das Öffnen des Formulars",
    Msg.QUOTA_WAIT: "{problem} Die Anfrage bleibt bis dahin offen.",
    Msg.RETRY_TAKEN: (
        "Jemand anderes versucht es bereits erneut, oder die Anfrage kann nicht erneut "
        "versucht werden."
    ),
    Msg.REPLY_DELAYED: (
        "Der Aufruf bei Braze ist vorbei: Die Anfrage ist jetzt *{state}*. Slack hat die "
        "Antwort im Thread der Karte vorerst abgelehnt; der Bot postet sie dort, sobald Slack "
        "sie annimmt."
    ),
    Msg.REPOST_DONE: "Die Karte ist gepostet.",
    Msg.REPOST_UNDER_WAY: (
        "Die Karte wird schon gepostet (oder wurde es gerade): Schau im Channel nach. Sonst "
        "ist nichts zu tun."
    ),
    Msg.NOT_CALLED_TOLD: (
        "Dein Klick ist nicht bis zu Braze gekommen (meine Datenbank war nicht erreichbar), es "
        "wurde also nichts erstellt. Die Anfrage kehrt in ihren vorigen Zustand zurück, sofort "
        "oder in ein paar Minuten, falls meine Datenbank weg bleibt; versuch es dann erneut."
    ),
    Msg.RESULTS_BUSY: (
        "Ich hole noch die Ergebnisse, nach denen du gerade gefragt hast; sie kommen hierher, "
        "sobald Braze antwortet. Frag danach gern noch einmal."
    ),
    Msg.DATABASE_DOWN: (
        "Ich erreiche meine Datenbank gerade nicht, deshalb wurde nichts geändert. Versuch es "
        "in einer Minute noch einmal."
    ),
    Msg.FORM_DATABASE_DOWN: (
        "Ich erreiche meine Datenbank gerade nicht, deshalb ist diese Anfrage vielleicht nicht "
        "gespeichert. Versuch es in einer Minute noch einmal (wurde sie doch gespeichert, "
        "erscheint ihre Karte im Channel)."
    ),
    Msg.DATABASE_LOST: (
        "Während {what} lief, ist die Verbindung zu meiner Datenbank abgerissen. Was bis dahin "
        "erledigt war, bleibt erledigt, und die Karte zeigt es, sobald ich die Datenbank "
        "wieder erreiche; ändert sie sich nicht, versuch es in einer Minute noch einmal."
    ),
    Msg.UNRECORDED_CREATION: (
        "Braze hat die Sende-ID {send_id} für diese Anfrage erstellt, aber meine Datenbank war "
        "nicht erreichbar, bis ich mich beenden musste. Ich konnte sie deshalb nicht "
        "speichern, und die Karte wird *Status unbekannt* zeigen. Die Sende-ID gibt es und "
        "sie kann verwendet werden; die Admins finden sie in meinem Log."
    ),
    Msg.CARD_SAVED: "Deine Sende-ID-Anfrage für Campaign {campaign} ist gespeichert. {fix}",
    Msg.CARD_NOT_IN_CHANNEL: (
        "Ich bin nicht Mitglied von {channel} und konnte die Karte dort nicht posten. Lade mich "
        "dort mit `/invite @Send ID bot` ein und klicke dann auf *Erneut posten*."
    ),
    Msg.CARD_SLACK_REFUSED: (
        "Slack hat das Posten der Karte abgelehnt ({error}). Versuch es mit *Erneut posten*."
    ),
    Msg.FORM_WRONG_CHANNEL: (
        "Dieses Formular gehört zu keinem erlaubten Channel. Schließ es und führ /sendid in "
        "einem erlaubten Channel aus."
    ),
    Msg.FORM_SAVE_FAILED: (
        "Der Bot konnte diese Anfrage nicht speichern (ein interner Fehler, für den Admin "
        "protokolliert). Nichts wurde erstellt; versuch es erneut."
    ),
    Msg.FORM_UNKNOWN_REQUEST: "Unbekannte Anfrage.",
    Msg.FORM_APPROVERS_UNREADABLE: (
        "Ich konnte nicht prüfen, wer freigeben darf; versuch es erneut."
    ),
    # attack review, part two: sealed forms
    Msg.FORM_NOT_VERIFIED: (
        "Dieses Formular ließ sich nicht als das hier vom Bot geöffnete bestätigen, daher wurde "
        "nichts gespeichert. Schließ es und fang dort neu an, wo du es geöffnet hast."
    ),
    Msg.HOME_HEADER: "Send ID bot",
    Msg.HOME_INTRO: (
        "Fordere eine Braze-Sende-ID mit `/sendid` in einem dieser Channels an: {channels}. "
        "Nach der Freigabe erstellt der Bot sie und antwortet im Thread der Karte."
    ),
    Msg.HOME_QUOTA_TITLE: "*Heutiges Braze-Kontingent an Sende-IDs*",
    Msg.HOME_QUOTA_BAR: "`{bar}` {used} verbraucht, {remaining} von {limit} übrig{reset}",
    Msg.HOME_QUOTA_UNKNOWN: (
        "Noch nicht bekannt: Es wird aus Braze' Antworten auf jede Erstellung gelesen "
        "(höchstens 100 pro Tag, sofern Braze es nicht erhöht hat)."
    ),
    Msg.HOME_MINE_TITLE: "*Deine letzten Anfragen*",
    Msg.HOME_MINE_EMPTY: "Du hast noch keine Sende-ID angefordert.",
    Msg.HOME_MINE_LINE: "{when} in {channel}: {campaign} → {send_id}: *{state}*",
    Msg.HOME_PENDING_TITLE: "*Wartet auf deine Entscheidung*",
    Msg.HOME_PENDING_EMPTY: "Nichts wartet auf dich.",
    Msg.HOME_PENDING_LINE: "{requester} in {channel}: {campaign} → {send_id}, angefordert {when}",
    # attack review, part two: private channels in App Home
    Msg.HOME_PENDING_UNREADABLE: (
        ":lock: {count} weitere warten in privaten Channels, in denen du nicht Mitglied bist "
        "(oder deren Mitglieder der Bot nicht lesen konnte). Ihre Karten sind in diesen Channels."
    ),
    Msg.PROBLEM_CAMPAIGN_MISSING: "Gib die API-Kennung der Campaign ein.",
    Msg.PROBLEM_CAMPAIGN_MALFORMED: (
        "Das ist keine Campaign-ID von Braze. Kopiere die API-Kennung von der Seite der "
        "Campaign in Braze: 36 Zeichen wie 1a2b3c4d-0000-4000-8000-123456789abc."
    ),
    Msg.PROBLEM_SEND_ID_TOO_LONG: (
        "Eine Sende-ID hat höchstens {maximum} Zeichen; diese hat {length}."
    ),
    Msg.PROBLEM_PURPOSE_TOO_LONG: (
        "Der Zweck darf höchstens {maximum} Zeichen haben; dieser hat {length}."
    ),
    Msg.PROBLEM_SEND_ID_CHARACTERS: (
        "Eine Sende-ID darf nur druckbare ASCII-Zeichen (Buchstaben, Ziffern, Satzzeichen) "
        "und keine Leerzeichen enthalten."
    ),
    Msg.PROBLEM_QUOTA_USED_UP: (
        "Das heutige Braze-Kontingent an Sende-IDs ist aufgebraucht; es wird {reset} zurückgesetzt."
    ),
    # When something happens, in plain text (an inline form error cannot show a Slack date).
    Msg.IN_MINUTES: "in {minutes} Min.",
    Msg.IN_HOURS: "in {hours} Std. {minutes} Min.",
    Msg.PROBLEM_DUPLICATE_CREATED: (
        "Dieser Bot hat diese Sende-ID für diese Campaign bereits erstellt."
    ),
    Msg.PROBLEM_DUPLICATE_IN_FLIGHT: (
        "Diese Sende-ID ist für diese Campaign bereits angefragt und wartet oder wird gerade "
        "erstellt."
    ),
    Msg.PROBLEM_CAMPAIGN_UNKNOWN: (
        "Braze kennt diese Campaign-ID nicht. Prüfe, ob es die API-Kennung einer Campaign in "
        "diesem Braze-Workspace ist."
    ),
    Msg.PROBLEM_SEND_ID_PATTERN: (
        "Diese Sende-ID folgt nicht der Namensregel dieses Channels. Beispiel: {example}"
    ),
    Msg.PROBLEM_SEND_ID_REQUIRED: (
        "Dieser Channel braucht eine Sende-ID nach seiner Namensregel, z. B. {example}"
    ),
    Msg.PROBLEM_CAMPAIGN_NOT_ALLOWED: (
        "Diese Campaign steht nicht auf der Liste dieses Channels; frag einen Admin oder "
        "nutze einen anderen Channel."
    ),
    Msg.PROBLEM_CAMPAIGN_ARCHIVED: (
        "Diese Campaign ist in Braze archiviert; stell sie wieder her oder wähl eine andere."
    ),
    # attack review, part two: per-person limits (inline form errors: plain text)
    Msg.PROBLEM_TOO_MANY_PENDING_ONE: (
        "Du hast schon eine Anfrage, die auf Freigabe wartet, und mehr als eine darf eine "
        "Person nicht haben: {pending}. Zieh sie zurück (⋯ → Meine Anfrage zurückziehen auf "
        "ihrer Karte, oder Anfrage zurückziehen im Home-Tab des Send ID bot) oder warte auf "
        "ihre Entscheidung und versuch es dann erneut."
    ),
    Msg.PROBLEM_TOO_MANY_PENDING: (
        "Du hast schon {count} Anfragen, die auf Freigabe warten, mehr darf eine Person nicht "
        "haben ({limit}): {pending}. Zieh eine zurück (⋯ → Meine Anfrage zurückziehen auf "
        "ihrer Karte, oder Anfrage zurückziehen im Home-Tab des Send ID bot) oder warte auf "
        "eine Entscheidung und versuch es dann erneut."
    ),
    Msg.PROBLEM_APPROVALS_IMPOSSIBLE: (
        "Dieser Channel braucht {required} Freigaben von verschiedenen Personen, aber es gibt "
        "außer dir nur {others} freigebende Person(en); diese Anfrage könnte also nie "
        "freigegeben werden. Frag einen Admin, ob weitere Freigebende eingetragen werden."
    ),
    Msg.FORM_NOT_OPENED: (
        "Ich habe das Anfrageformular nicht geöffnet, weil gerade keine Anfrage angenommen "
        "werden kann: {why}"
    ),
    Msg.PROBLEM_SUBMITTING_TOO_FAST: (
        "Du hast in der letzten Minute zu viele Anfrageformulare gesendet. Versuch es in "
        "{seconds} s erneut."
    ),
    # Vier-Augen-Prinzip (approvals_required)
    Msg.ALREADY_PENDING_PROGRESS: "Diese Anfrage wartet noch auf Freigabe ({progress}); {waiting}.",
    Msg.APPROVAL_COUNTED: (
        ":ballot_box_with_check: Deine Freigabe zählt ({progress}); {waiting}. Braze wird erst "
        "nach der letzten Freigabe aufgerufen; den Stand siehst du auf der Karte."
    ),
    Msg.APPROVAL_ALREADY_COUNTED: (
        "Du hast diese Anfrage schon freigegeben ({progress}); {waiting}. Es wurde nichts geändert."
    ),
}
