"""Deutsche Texte. Begriffe wie in Braze' deutscher Dokumentation (Campaign, Sende-ID)."""

from __future__ import annotations

from bot.i18n.keys import Msg

GERMAN: dict[Msg, str] = {
    Msg.DATE_PRETTY: "{{date_short_pretty}} um {{time}}",
    Msg.DATE_SHORT: "{{date_short}} {{time}}",
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
    Msg.MODAL_REASON_LABEL: "Begründung",
    Msg.MODAL_REASON_HINT: "Optional. Wird der anfragenden Person im Thread der Anfrage gezeigt.",
    Msg.CARD_HEADER_PENDING: "Sende-ID-Anfrage: wartet auf Freigabe",
    Msg.CARD_HEADER_APPROVED: "Sende-ID-Anfrage: freigegeben, wird erstellt …",
    Msg.CARD_HEADER_CREATED: "Sende-ID erstellt",
    Msg.CARD_HEADER_FAILED: "Sende-ID nicht erstellt",
    Msg.CARD_HEADER_REJECTED: "Sende-ID-Anfrage abgelehnt",
    Msg.CARD_HEADER_EXPIRED: "Sende-ID-Anfrage abgelaufen",
    Msg.CARD_HEADER_CANCELLED: "Sende-ID-Anfrage zurückgezogen",
    Msg.CARD_TEXT_PENDING: "{requester} bittet um eine Sende-ID für {campaign}",
    Msg.CARD_TEXT_APPROVED: (
        "{who} hat die Sende-ID von {requester} für {campaign} freigegeben; "
        "sie wird in Braze erstellt"
    ),
    Msg.CARD_TEXT_CREATED: (
        "Die Sende-ID für {campaign}, um die {requester} gebeten hat, ist erstellt"
    ),
    Msg.CARD_TEXT_FAILED: (
        "Braze hat die Sende-ID für {campaign}, um die {requester} gebeten hat, nicht erstellt"
    ),
    Msg.CARD_TEXT_REJECTED: (
        "{who} hat die Sende-ID-Anfrage von {requester} für {campaign} abgelehnt"
    ),
    Msg.CARD_TEXT_EXPIRED: "Die Sende-ID-Anfrage von {requester} für {campaign} ist abgelaufen",
    Msg.CARD_TEXT_CANCELLED: "{requester} hat die Sende-ID-Anfrage für {campaign} zurückgezogen",
    Msg.FIELD_CAMPAIGN: "*Campaign*",
    Msg.FIELD_SEND_ID: "*Sende-ID*",
    Msg.FIELD_REQUESTED_BY: "*Angefordert von*",
    Msg.FIELD_REQUESTED_AT: "*Angefordert*",
    Msg.FIELD_APPROVED_BY: "*Freigegeben von*",
    Msg.FIELD_QUOTA: "*Kontingent*",
    Msg.FIELD_APPROVERS: "*Freigebende*",
    Msg.FIELD_PURPOSE: "*Zweck*",
    Msg.FIELD_EXPIRES: "*Läuft ab*",
    Msg.CARD_NO_APPROVERS: "noch niemand: Ein Admin muss Freigebende eintragen",
    Msg.CARD_MORE_APPROVERS: " und {count} weitere",
    Msg.GENERATED_BY_BRAZE: "_wird von Braze erzeugt_",
    Msg.SOMEONE: "jemandem",
    Msg.REASON_SUFFIX: " Begründung: {reason}",
    Msg.STATUS_PENDING: ":hourglass_flowing_sand: Wartet auf Freigabe. Läuft {expires} ab.",
    Msg.STATUS_APPROVED: (
        ":gear: Freigegeben von {who} {when}; die Sende-ID wird in Braze erstellt …"
    ),
    Msg.STATUS_CREATED: (
        ":white_check_mark: Erstellt nach Freigabe durch {who}. Sende-ID {send_id}."
    ),
    Msg.STATUS_FAILED: (
        ":warning: Freigegeben von {who}, aber Braze hat sie nicht erstellt. Siehe Thread."
    ),
    Msg.STATUS_REJECTED: ":no_entry_sign: Abgelehnt von {who} {when}.{reason}",
    Msg.STATUS_EXPIRED: (
        ":hourglass: Abgelaufen: Niemand hat rechtzeitig entschieden. "
        "Führ bei Bedarf `/sendid` erneut aus."
    ),
    Msg.STATUS_CANCELLED: ":heavy_multiplication_x: Zurückgezogen von {who}.",
    Msg.STATE_PENDING: "wartet",
    Msg.STATE_APPROVED: "freigegeben",
    Msg.STATE_CREATED: "erstellt",
    Msg.STATE_FAILED: "fehlgeschlagen",
    Msg.STATE_REJECTED: "abgelehnt",
    Msg.STATE_EXPIRED: "abgelaufen",
    Msg.STATE_CANCELLED: "zurückgezogen",
    Msg.BUTTON_APPROVE: "Freigeben",
    Msg.BUTTON_REJECT: "Ablehnen",
    Msg.BUTTON_RETRY: "Erneut versuchen",
    Msg.BUTTON_REPOST: "Erneut posten",
    Msg.CONFIRM_APPROVE_TITLE: "Diese Sende-ID erstellen?",
    Msg.CONFIRM_APPROVE_TEXT: (
        "Braze wird einmal aufgerufen, und die Sende-ID zählt zum heutigen Kontingent an Sende-IDs."
    ),
    Msg.CONFIRM_RETRY_TITLE: "Trotzdem erneut versuchen?",
    Msg.CONFIRM_RETRY_TEXT_GENERATED: (
        "Braze hat für diese Anfrage vielleicht schon eine Sende-ID erzeugt. Ein neuer Versuch "
        "fordert eine neue, andere an und kostet eine Einheit des heutigen Kontingents."
    ),
    Msg.CONFIRM_RETRY_TEXT: (
        "Braze hat diese Sende-ID vielleicht schon erstellt. Versuch es erst erneut, wenn du "
        "in Braze geprüft hast, dass es sie nicht gibt."
    ),
    Msg.QUOTA_UNKNOWN: "Heute noch frei: unbekannt.",
    Msg.QUOTA_LINE: "Heute noch frei: {remaining}{limit}{reset}.",
    Msg.QUOTA_OF_LIMIT: " von {limit}",
    Msg.QUOTA_RESETS: ", wird {when} zurückgesetzt",
    Msg.CREATED_TEXT: "{requester}, deine Sende-ID {send_id} für {campaign} ist erstellt",
    Msg.CREATED_HEAD: ":white_check_mark: *Sende-ID erstellt:* {send_id}",
    Msg.USAGE_HINT: (
        "Gib sie im Body von `/campaigns/trigger/send` (oder `/messages/send`) an, damit Braze "
        "diesen Versand getrennt auswertet:"
    ),
    Msg.CREATED_RESULTS_HINT: (
        "Mit *Ergebnisse anzeigen* unten siehst du, wie er läuft, {days} Tage lang nach dem "
        "Versand."
    ),
    Msg.FAILED_TEXT: "Sende-ID nicht erstellt: {words}.",
    Msg.FAILED_HEAD: (
        ":warning: {requester}, die Sende-ID {send_id} für {campaign} wurde nicht erstellt: "
        "{words}.{detail}"
    ),
    Msg.FAILED_BRAZE_SAID: "\n>Braze meldet: {message}",
    Msg.FAILED_RETRY_HINT: "Freigebende können es erneut versuchen.",
    # who is told what (issue 11): failures name who acts and what happens next
    # One approver or several: "… kann es" would not fit both.
    Msg.FAILED_RETRY_NEXT: "Erneut versuchen kann es: {approvers}.",
    Msg.FAILED_REJECTED_NEXT: (
        "{requester}, prüf Campaign und Sende-ID und stell die Anfrage dann mit `/sendid` neu."
    ),
    Msg.FAILED_SETUP_WORDS: "die Verbindung des Bots zu Braze braucht einen Admin",
    Msg.FAILED_SETUP_NEXT: (
        "{admins}: Die Details stehen in deinen Direktnachrichten. Sobald es behoben ist, "
        "versucht es ein Admin dort erneut, und das Ergebnis erscheint in diesem Thread; sonst "
        "muss niemand etwas tun."
    ),
    Msg.FAILED_QUOTA_NEXT: (
        "Es wird {when} zurückgesetzt. Dann melde ich mich hier wieder, und erneut versuchen "
        "kann es dann: {approvers}. Bis dahin muss niemand etwas tun."
    ),
    Msg.UNKNOWN_HEAD: (
        ":grey_question: *Status unbekannt.* {requester}, die Antwort von Braze kam nicht an "
        "(Zeitüberschreitung oder ein Gateway-Fehler), daher wurde die Sende-ID {send_id} für "
        "{campaign} vielleicht erstellt, vielleicht nicht."
    ),
    Msg.UNKNOWN_NEXT_GENERATED: (
        "{approvers}: Braze hat vielleicht eine Sende-ID erzeugt, die nie beim Bot angekommen "
        "ist. Ein neuer Versuch lässt Braze eine neue, andere Sende-ID erzeugen und kostet eine "
        "Einheit des heutigen Kontingents; eine beim ersten Mal erzeugte bleibt ungenutzt."
    ),
    Msg.UNKNOWN_NEXT: (
        "{approvers}: Prüf in Braze, ob es sie gibt, und versuch es nur erneut, wenn nicht. Ein "
        "neuer Versuch fragt Braze noch einmal nach derselben Sende-ID und kostet höchstens "
        "eine Einheit des heutigen Kontingents."
    ),
    Msg.QUOTA_BACK_TEXT: (
        "Das heutige Braze-Kontingent an Sende-IDs ist wieder frei: Diese Anfrage kann erneut "
        "versucht werden."
    ),
    Msg.QUOTA_BACK_REPLY: (
        ":arrows_counterclockwise: Das heutige Braze-Kontingent an Sende-IDs ist wieder frei. "
        "{approvers}, diese Anfrage kann jetzt erneut versucht werden."
    ),
    Msg.ADMIN_SETUP_TEXT: (
        "Die Braze-Verbindung des Bots braucht dich: Eine Sende-ID wurde nicht erstellt."
    ),
    Msg.ADMIN_SETUP_HEAD: (
        ":wrench: *Die Braze-Verbindung des Bots braucht dich.* Die Sende-ID-Anfrage von "
        "{requester} für die Campaign {campaign} in {channel} wurde freigegeben, aber Braze hat "
        "den Aufruf abgewiesen. {detail}"
    ),
    Msg.ADMIN_SETUP_NEXT: (
        "Sobald es behoben ist, klick hier auf *Erneut versuchen*: Der Bot ruft Braze für diese "
        "Anfrage ({card}) noch einmal auf und antwortet in ihrem Thread. Anfragende und "
        "Freigebende wissen aus dem Thread, dass sich ein Admin darum kümmert; bis dahin können "
        "nur Admins es erneut versuchen."
    ),
    Msg.ADMIN_AUTH: (
        "Braze hat den API-Schlüssel in {variable} nicht akzeptiert (HTTP 401). Prüf, ob es ein "
        "gültiger REST-API-Schlüssel dieses Braze-Workspaces ist und ob {endpoint} die Instanz "
        "des Workspaces ist."
    ),
    Msg.ADMIN_PERMISSION: (
        "Dem API-Schlüssel in {variable} fehlt die Berechtigung `sends.id.create` (HTTP 403). "
        "In Braze: Einstellungen > APIs und Bezeichner > der Schlüssel > Berechtigungen, "
        "`sends.id.create` hinzufügen (und prüfen, ob der Tarif Sende-IDs enthält)."
    ),
    Msg.ADMIN_NOT_FOUND: (
        "Braze kennt den Endpunkt in {endpoint} nicht (HTTP 404). Trag dort den REST-Endpunkt "
        "des Workspaces ein, z. B. https://rest.iad-01.braze.com."
    ),
    Msg.ADMIN_WORKSPACE_UNKNOWN: (
        "Die Anfrage wurde im Braze-Workspace `{workspace}` gestellt, der nicht mehr in der "
        "Richtliniendatei (`SENDID_POLICY_FILE`) steht; Braze wurde daher nicht aufgerufen. "
        "Trag den Abschnitt `[workspaces.{workspace}]` wieder ein und starte den Bot neu."
    ),
    Msg.ADMIN_ENDPOINT_DEFAULT: "`BRAZE_REST_ENDPOINT`",
    Msg.ADMIN_ENDPOINT_WORKSPACE: (
        "`rest_endpoint` von `[workspaces.{workspace}]` in der Richtliniendatei"
    ),
    Msg.LINK_TO_CARD: "ihre Karte",
    Msg.FAILURE_REJECTED_BY_BRAZE: "Braze hat die Anfrage abgewiesen",
    Msg.FAILURE_AUTH: (
        "Braze hat den API-Schlüssel des Bots nicht akzeptiert. Ein Admin sollte "
        "BRAZE_API_KEY prüfen und ob BRAZE_REST_ENDPOINT die Braze-Instanz dieses Workspaces ist"
    ),
    Msg.FAILURE_PERMISSION: (
        "Laut Braze darf der API-Schlüssel das nicht. Ein Admin sollte dem Schlüssel die "
        "Berechtigung `sends.id.create` geben (und den Tarif prüfen)"
    ),
    Msg.FAILURE_NOT_FOUND: (
        "Braze kennt den aufgerufenen Endpunkt nicht. Ein Admin sollte BRAZE_REST_ENDPOINT prüfen"
    ),
    Msg.FAILURE_QUOTA: "Das heutige Braze-Kontingent an Sende-IDs ist aufgebraucht",
    Msg.FAILURE_UNAVAILABLE: (
        "Braze war nicht erreichbar oder meldete einen Fehler, auch nach erneuten Versuchen"
    ),
    Msg.FAILURE_OUTCOME_UNKNOWN: (
        "Braze hat nicht rechtzeitig geantwortet, das Ergebnis ist also unbekannt: Die "
        "Sende-ID wurde vielleicht erstellt. Prüf vor einem neuen Versuch in Braze, ob es sie gibt"
    ),
    Msg.FAILURE_UNEXPECTED: (
        "Braze gab eine Antwort, die der Bot nicht lesen konnte; das Ergebnis ist unbekannt"
    ),
    Msg.FAILURE_WORKSPACE_UNKNOWN: (
        "Der Braze-Workspace, in dem diese Anfrage gestellt wurde, steht nicht mehr in der "
        "Richtliniendatei des Bots, Braze wurde also nicht aufgerufen. Ein Admin sollte den "
        "Workspace wieder eintragen"
    ),
    Msg.REJECTED_REPLY: ":no_entry_sign: {who} hat diese Anfrage abgelehnt, {requester}.{reason}",
    Msg.EXPIRED_REPLY: (
        ":hourglass: Diese Anfrage ist abgelaufen: Niemand hat rechtzeitig entschieden. "
        "{requester}, führ bei Bedarf `/sendid` erneut aus."
    ),
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
    Msg.IN_WORKSPACE: "Braze-Workspace *{workspace}*: {text}",
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
    Msg.ALREADY_UNKNOWN: "Diese Anfrage kenne ich nicht mehr; nichts wurde geändert.",
    Msg.ALREADY_APPROVED: "Bereits freigegeben von {who}{when}; nichts wurde geändert.",
    Msg.ALREADY_REJECTED: "Bereits abgelehnt von {who}{when}; nichts wurde geändert.",
    Msg.ALREADY_EXPIRED: (
        "Diese Anfrage ist abgelaufen; nichts wurde geändert. Frag mit `/sendid` neu an."
    ),
    Msg.ALREADY_CANCELLED: "Diese Anfrage wurde zurückgezogen; nichts wurde geändert.",
    Msg.ALREADY_PENDING: "Diese Anfrage wartet noch auf Freigabe.",
    Msg.APPROVERS_UNREADABLE: (
        "Ich konnte nicht prüfen, wer freigeben darf ({error}). Nichts wurde geändert; "
        "versuch es in einer Minute erneut."
    ),
    Msg.ACTION_FAILED: (
        "Leider ist {what} fehlgeschlagen. Nichts ist verloren: Die Anfrage behält "
        "ihren Zustand. Versuch es erneut oder bitte einen Admin, die Logs des Bots "
        "anzusehen."
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
        "Braze hat geantwortet: Die Anfrage ist *{state}*. Slack hat die Antwort im Thread der "
        "Karte vorerst abgelehnt; der Bot postet sie dort, sobald Slack sie annimmt."
    ),
    Msg.REPOST_DONE: "Die Karte ist gepostet.",
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
    Msg.BUTTON_CANCEL: "Anfrage zurückziehen",
    Msg.CANCEL_MINE: "Meine Anfrage zurückziehen (nur Anfragende)",
    Msg.BUTTON_REQUEST_AGAIN: "Erneut anfordern",
    Msg.DOING_REQUEST_AGAIN: "das erneute Öffnen des Formulars",
    Msg.CONFIRM_CANCEL_TITLE: "Anfrage zurückziehen?",
    Msg.CONFIRM_CANCEL_TEXT: (
        "Danach kann niemand sie mehr freigeben. Mit /sendid kannst du neu anfragen."
    ),
    Msg.CANCELLED_REPLY: ":heavy_multiplication_x: {requester} hat diese Anfrage zurückgezogen.",
    Msg.REMINDER_REPLY: (
        ":bell: Wartet noch auf Freigabe: {approvers}. Diese Anfrage läuft {expires} ab."
    ),
    # approvers reached at request time, and the result when the card is gone
    Msg.NOTIFY_MENTION: (
        ":bell: {approvers}: {requester} bittet um eine Sende-ID für {campaign}. Gib sie auf "
        "der Karte oben frei oder lehne sie ab; sie läuft {expires} ab."
    ),
    Msg.NOTIFY_DM_TEXT: "{requester} bittet dich um Freigabe einer Sende-ID für {campaign}.",
    Msg.NOTIFY_DM: (
        ":bell: {requester} bittet um eine Sende-ID für {campaign} in {channel} (Sende-ID "
        "{send_id}). Gib sie hier oder auf {card} frei oder lehne sie ab; sie läuft {expires} ab."
    ),
    Msg.LOST_CARD_DM: (
        ":information_source: Die Karte dieser Sende-ID-Anfrage in {channel} wurde gelöscht, "
        "daher bekommen {requester} und {approver} das Ergebnis per Direktnachricht:"
    ),
    Msg.LOST_REPLY_DM: (
        ":information_source: Slack hat die Antwort im Thread dieser Anfrage in {channel} "
        "wiederholt abgelehnt, daher bekommen {requester} und {approver} das Ergebnis per "
        "Direktnachricht:"
    ),
    Msg.DOING_CANCEL: "das Zurückziehen der Anfrage",
    Msg.BUTTON_RESULTS: "Ergebnisse anzeigen",
    Msg.DOING_RESULTS: "das Abrufen der Ergebnisse",
    Msg.STATS_TITLE: "*Ergebnisse der Sende-ID {send_id}* ({campaign}), letzte {days} Tage:",
    Msg.STATS_LINE: (
        "• *{channel}*: {sent} gesendet · {delivered} zugestellt · {opens} Öffnungen · "
        "{clicks} Klicks"
    ),
    Msg.STATS_CHANNEL_EMAIL: "E-Mail",
    Msg.STATS_CHANNEL_IOS_PUSH: "iOS-Push",
    Msg.STATS_CHANNEL_ANDROID_PUSH: "Android-Push",
    Msg.STATS_CHANNEL_KINDLE_PUSH: "Kindle-Push",
    Msg.STATS_CHANNEL_WEB_PUSH: "Web-Push",
    Msg.STATS_CHANNEL_WEBHOOK: "Webhook",
    Msg.STATS_CHANNEL_SMS: "SMS",
    Msg.STATS_CHANNEL_WHATS_APP: "WhatsApp",
    Msg.STATS_CHANNEL_CONTENT_CARDS: "Content-Cards",
    Msg.STATS_CHANNEL_IN_APP_MESSAGE: "In-App-Nachricht",
    Msg.STATS_CHANNEL_TRIGGER_IN_APP_MESSAGE: "In-App-Nachricht",
    Msg.STATS_CHANNEL_LINE: "LINE",
    # Tausendertrennzeichen: 1.234.
    Msg.NUMBER_GROUPING: ".",
    Msg.STATS_TOTAL: "Conversions gesamt: {conversions} · eindeutige Empfänger: {recipients}",
    Msg.STATS_EMPTY: (
        "Braze meldet für diese Sende-ID keine Nachrichten in den letzten {days} Tagen."
    ),
    Msg.STATS_RETENTION: "Braze bewahrt Versandanalysen {days} Tage nach dem Versand auf.",
    Msg.STATS_FORBIDDEN: (
        "Ergebnisse können nicht angezeigt werden: Dem Braze-API-Schlüssel des Bots fehlt die "
        "Berechtigung `sends.data_series`. Ein Admin kann sie in Braze hinzufügen "
        "(Einstellungen > APIs und Bezeichner)."
    ),
    Msg.STATS_NO_DATA: (
        "Braze hat keine Ergebnisse für diese Sende-ID ({message}). Ergebnisse erscheinen, "
        "sobald die ersten Nachrichten mit dieser Sende-ID versendet sind, und nur 14 Tage lang."
    ),
    Msg.STATS_UNAVAILABLE: (
        "Braze war für die Ergebnisse nicht erreichbar; versuch es in einer Minute erneut."
    ),
    Msg.STATS_UNKNOWN_SEND_ID: (
        "Dieser Bot hat in diesem Channel keine Sende-ID {send_id} erstellt."
    ),
    Msg.STATS_USAGE: (
        "Verwendung: `/sendid stats &lt;send_id&gt;` im Channel, in dem sie erstellt wurde."
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
    Msg.PROBLEM_TOO_MANY_PENDING: (
        "Du hast schon {count} Anfragen, die auf Freigabe warten, mehr darf eine Person nicht "
        "haben ({limit}): {pending}. Zieh eine zurück (Anfrage zurückziehen auf ihrer Karte "
        "oder im Home-Tab des Send ID bot) oder warte auf eine Entscheidung und sende dann "
        "erneut."
    ),
    Msg.PROBLEM_SUBMITTING_TOO_FAST: (
        "Du hast in der letzten Minute zu viele Anfrageformulare gesendet. Versuch es in "
        "{seconds} s erneut."
    ),
}
