"""Deutsch: was der Bot postet — die Karte, Antworten im Thread, DMs, Erinnerungen, Ergebnisse."""

from __future__ import annotations

from bot.i18n.keys import Msg

POSTED: dict[Msg, str] = {
    Msg.DATE_PRETTY: "{{date_short_pretty}} um {{time}}",
    Msg.DATE_SHORT: "{{date_short}} {{time}}",
    Msg.CARD_HEADER_PENDING: "Sende-ID-Anfrage: wartet auf Freigabe",
    Msg.CARD_HEADER_APPROVED: "Sende-ID-Anfrage: freigegeben, wird erstellt …",
    Msg.CARD_HEADER_CREATED: "Sende-ID erstellt",
    Msg.CARD_HEADER_FAILED: "Sende-ID nicht erstellt",
    Msg.CARD_HEADER_REJECTED: "Sende-ID-Anfrage abgelehnt",
    Msg.CARD_HEADER_EXPIRED: "Sende-ID-Anfrage abgelaufen",
    Msg.CARD_HEADER_CANCELLED: "Sende-ID-Anfrage zurückgezogen",
    Msg.CARD_HEADER_UNKNOWN: "Sende-ID: Status unbekannt",
    Msg.CARD_TEXT_PENDING: "{requester} bittet um eine Sende-ID für {campaign}",
    Msg.CARD_TEXT_APPROVED: (
        "Freigegeben von {who}: die Sende-ID von {requester} für {campaign} wird in Braze erstellt"
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
    Msg.CARD_TEXT_UNKNOWN: (
        "Braze hat zur Sende-ID für {campaign}, um die {requester} gebeten hat, keine "
        "verwertbare Antwort gegeben: Vielleicht gibt es sie, vielleicht nicht. Was jetzt zu tun "
        "ist, steht im Thread"
    ),
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
    Msg.OR: "oder",
    Msg.ANYONE: "jemand",
    Msg.RETRIED_BY: "{approver}, erneut versucht von {retrier}",
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
        ":hourglass: Abgelaufen: Niemand hat rechtzeitig entschieden. Wird sie noch gebraucht, "
        "frag mit *Erneut anfordern* neu an."
    ),
    Msg.STATUS_CANCELLED: ":heavy_multiplication_x: Zurückgezogen von {who}.",
    Msg.STATUS_UNKNOWN: (
        ":grey_question: Freigegeben von {who}, aber Braze hat keine verwertbare Antwort "
        "gegeben: Vielleicht gibt es die Sende-ID, vielleicht nicht. Was jetzt zu tun ist, steht "
        "im Thread."
    ),
    Msg.STATE_PENDING: "wartet",
    Msg.STATE_APPROVED: "freigegeben",
    Msg.STATE_CREATED: "erstellt",
    Msg.STATE_FAILED: "fehlgeschlagen",
    Msg.STATE_REJECTED: "abgelehnt",
    Msg.STATE_EXPIRED: "abgelaufen",
    Msg.STATE_CANCELLED: "zurückgezogen",
    Msg.STATE_UNKNOWN: "Status unbekannt",
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
        "Braze hat diese Sende-ID vielleicht schon erstellt. Ein neuer Versuch fragt Braze "
        "noch einmal nach genau dieser Sende-ID, kann also keine zweite, andere erzeugen; er "
        "kostet höchstens eine Einheit des heutigen Kontingents."
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
    Msg.CREATED_AFTER_ALL: (
        ":information_source: Die Antwort von Braze kam spät: Die Sende-ID wurde doch "
        "erstellt. Das *Status unbekannt* oben gilt nicht mehr; niemand muss es erneut "
        "versuchen."
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
    Msg.FAILED_RETRY_NEXT: (
        "{approver} kann es erneut versuchen (das kann auch jede andere freigebende Person)."
    ),
    Msg.FAILED_REJECTED_NEXT: (
        "{requester}, prüf Campaign und Sende-ID und frag dann mit *Erneut anfordern* auf der "
        "Karte neu an."
    ),
    Msg.FAILED_SETUP_WORDS: "die Verbindung des Bots zu Braze braucht einen Admin",
    Msg.FAILED_SETUP_NEXT: (
        "{admins}: Die Details stehen in der Direktnachricht, die der Bot jedem Admin geschickt "
        "hat (und in seinen Logs). "
        "Sobald es behoben ist, klickt ein Admin hier oder in seiner Nachricht auf *Erneut "
        "versuchen* (nur Admins können das), und das Ergebnis erscheint in diesem Thread; sonst "
        "muss niemand etwas tun. Ohne neuen Versuch bis {until} läuft die Anfrage ab, und ihre "
        "Sende-ID kann neu angefragt werden."
    ),
    Msg.FAILED_QUOTA_NEXT: (
        "Es wird {when} zurückgesetzt. Dann melde ich mich hier wieder, und {approver} (oder "
        "eine andere freigebende Person) kann es erneut versuchen. Bis dahin muss niemand "
        "etwas tun."
    ),
    Msg.UNKNOWN_HEAD: (
        ":grey_question: *Status unbekannt.* {requester}, Braze hat keine verwertbare Antwort "
        "gegeben (ein Fehler, eine Zeitüberschreitung oder eine abgebrochene Verbindung, "
        "nachdem die Anfrage gesendet war). Die Sende-ID {send_id} für {campaign} wurde also "
        "vielleicht erstellt, vielleicht nicht.{detail}"
    ),
    Msg.UNKNOWN_NEXT_GENERATED: (
        "{approver}: Braze hat vielleicht eine Sende-ID erzeugt, die nie beim Bot angekommen "
        "ist, und bietet keine Möglichkeit, sie nachzuschlagen. Wenn die Sende-ID noch "
        "gebraucht wird, versuch es erneut: Braze erzeugt dann eine neue, andere, das kostet eine "
        "Einheit des heutigen Kontingents; eine beim ersten Mal erzeugte bleibt ungenutzt."
    ),
    Msg.UNKNOWN_NEXT: (
        "{approver}: Braze bietet keine Möglichkeit, eine Sende-ID nachzuschlagen, bevor sie "
        "verwendet wird. Wenn sie noch gebraucht wird, versuch es erneut: Der neue Versuch fragt "
        "Braze noch einmal nach genau dieser Sende-ID, kann also keine zweite, andere erzeugen, "
        "und kostet höchstens eine Einheit des heutigen Kontingents."
    ),
    Msg.QUOTA_BACK_TEXT: (
        "Das heutige Braze-Kontingent an Sende-IDs ist wieder frei: Diese Anfrage kann erneut "
        "versucht werden."
    ),
    Msg.QUOTA_BACK_REPLY: (
        ":arrows_counterclockwise: Das heutige Braze-Kontingent an Sende-IDs ist wieder frei. "
        "{approver}, du (oder eine andere freigebende Person) kannst diese Anfrage jetzt "
        "erneut versuchen."
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
    Msg.ADMIN_SETUP_OUTSIDE: (
        ":wrench: *Die Braze-Verbindung des Bots braucht dich.* Eine Sende-ID-Anfrage in "
        "{channel}, einem privaten Channel, in dem du nicht bist, wurde freigegeben, aber Braze "
        "hat den Aufruf abgewiesen; was sie enthält, bleibt in diesem Channel. {detail} Sobald "
        "es behoben ist, klickt ein Admin, der Mitglied des Channels ist, im Thread der Anfrage "
        "auf *Erneut versuchen* (lass dich aufnehmen oder frag eines der Mitglieder)."
    ),
    Msg.ADMIN_AUTH: (
        "Braze hat den API-Schlüssel in {variable} nicht akzeptiert (HTTP 401). Prüf, ob es ein "
        "gültiger REST-API-Schlüssel dieses Braze-Workspaces ist und ob {endpoint} die Instanz "
        "des Workspaces ist."
    ),
    Msg.ADMIN_PERMISSION: (
        "Dem API-Schlüssel in {variable} fehlt die Berechtigung `sends.id.create` (HTTP 403). "
        "Die Berechtigungen eines Braze-Schlüssels lassen sich nach dem Anlegen nicht mehr "
        "ändern: Leg in Braze unter Einstellungen > APIs und Bezeichner > API-Schlüssel einen "
        "neuen Schlüssel mit `sends.id.create` an (dazu `campaigns.details` und "
        "`sends.data_series`, falls der alte sie hatte), ersetz damit den alten in {variable} "
        "und starte den Bot neu. Hat der Schlüssel die Berechtigung schon, frag bei Braze "
        "nach, ob euer Tarif Sende-IDs enthält."
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
    Msg.LINK_TO_CARD: "zur Karte",
    Msg.FAILURE_REJECTED_BY_BRAZE: "Braze hat die Anfrage abgewiesen",
    Msg.FAILURE_AUTH: (
        "Braze hat den API-Schlüssel des Bots nicht akzeptiert. Ein Admin sollte "
        "BRAZE_API_KEY prüfen und ob BRAZE_REST_ENDPOINT die Braze-Instanz dieses Workspaces ist"
    ),
    Msg.FAILURE_PERMISSION: (
        "Laut Braze darf der API-Schlüssel das nicht. Die Berechtigungen eines Schlüssels "
        "lassen sich nicht ändern, deshalb muss ein Admin in Braze einen neuen Schlüssel mit "
        "der Berechtigung `sends.id.create` anlegen, den alten damit ersetzen und den Bot neu "
        "starten"
    ),
    Msg.FAILURE_NOT_FOUND: (
        "Braze kennt den aufgerufenen Endpunkt nicht. Ein Admin sollte BRAZE_REST_ENDPOINT prüfen"
    ),
    Msg.FAILURE_QUOTA: "Das heutige Braze-Kontingent an Sende-IDs ist aufgebraucht",
    Msg.FAILURE_UNAVAILABLE: (
        "Der Bot hat Braze auch nach mehreren Versuchen nicht erreicht, die Anfrage wurde also "
        "nie gesendet"
    ),
    Msg.FAILURE_OUTCOME_UNKNOWN: (
        "Braze hat keine verwertbare Antwort gegeben, das Ergebnis ist also unbekannt: Die "
        "Sende-ID wurde vielleicht erstellt"
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
    Msg.EXPIRED_UNRETRIED_REPLY: (
        ":hourglass: Diese Anfrage ist abgelaufen: Die Braze-Verbindung des Bots wurde nicht "
        "behoben und niemand hat es rechtzeitig erneut versucht, daher wurde keine Sende-ID "
        "erstellt, und diese ist wieder frei. {requester}, frag mit *Erneut anfordern* oder "
        "`/sendid` neu an, sobald ein Admin sagt, dass es funktioniert."
    ),
    Msg.EXPIRED_REPLY: (
        ":hourglass: Diese Anfrage ist abgelaufen: Niemand hat rechtzeitig entschieden. "
        "{requester}, wenn du sie noch brauchst, frag mit *Erneut anfordern* auf der Karte neu "
        "an."
    ),
    Msg.IN_WORKSPACE: "Braze-Workspace *{workspace}*: {text}",
    Msg.BUTTON_CANCEL: "Anfrage zurückziehen",
    Msg.CANCEL_MINE: "Meine Anfrage zurückziehen (nur Anfragende)",
    Msg.BUTTON_REQUEST_AGAIN: "Erneut anfordern",
    Msg.DOING_REQUEST_AGAIN: "das erneute Öffnen des Formulars",
    Msg.CONFIRM_CANCEL_TITLE: "Anfrage zurückziehen?",
    Msg.CONFIRM_CANCEL_TEXT: (
        "Danach kann niemand sie mehr freigeben. Mit „Erneut anfordern“ auf der Karte kannst du "
        "neu anfragen."
    ),
    Msg.CANCELLED_REPLY: ":heavy_multiplication_x: {requester} hat diese Anfrage zurückgezogen.",
    Msg.NOT_CALLED_REPLY: (
        ":leftwards_arrow_with_hook: Die letzte Freigabe dieser Anfrage ist nie bei Braze "
        "angekommen (der Bot wurde beendet oder Slack hat vor dem Aufruf nicht geantwortet), "
        "es wurde also nichts erstellt. {next}"
    ),
    Msg.NOT_CALLED_APPROVE_AGAIN: (
        "Die Anfrage wartet wieder auf Freigabe: {approvers} kann sie auf der Karte freigeben."
    ),
    Msg.NOT_CALLED_RETRY_AGAIN: (
        "{approver} (oder eine andere freigebende Person) kann es wie zuvor erneut versuchen."
    ),
    Msg.REMINDER_REPLY: (
        ":bell: Diese Anfrage wartet noch auf Freigabe: {approvers} kann sie freigeben oder "
        "ablehnen. Sie läuft {expires} ab."
    ),
    # approvers reached at request time, and the result when the card is gone
    Msg.NOTIFY_MENTION: (
        ":bell: {approvers}: {requester} bittet um eine Sende-ID für {campaign}. Gib sie auf "
        "der Karte oben frei oder lehne sie ab; sie läuft {expires} ab."
    ),
    Msg.NOTIFY_DM_TEXT: "{requester} bittet dich um Freigabe einer Sende-ID für {campaign}.",
    Msg.NOTIFY_DM: (
        ":bell: {requester} bittet um eine Sende-ID für {campaign} in {channel} (Sende-ID "
        "{send_id}). Gib sie hier oder auf der Karte ({card}) frei oder lehne sie ab; sie läuft "
        "{expires} ab."
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
    Msg.STATS_TITLE: "*Ergebnisse der Sende-ID {send_id}* für {campaign}, letzte {days} Tage:",
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
        "Berechtigung `sends.data_series`. Die Berechtigungen eines Braze-Schlüssels lassen "
        "sich nach dem Anlegen nicht mehr ändern, deshalb muss ein Admin in Braze "
        "(Einstellungen > APIs und Bezeichner > API-Schlüssel) einen neuen Schlüssel mit "
        "`sends.id.create`, `sends.data_series` und `campaigns.details` anlegen, den Schlüssel "
        "des Bots damit ersetzen und den Bot neu starten."
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
    # Vier-Augen-Prinzip (approvals_required): Stand auf der Karte, Erinnerung, Rückfrage
    Msg.STATUS_PENDING_PROGRESS: (
        ":hourglass_flowing_sand: {progress}; {waiting}. Läuft {expires} ab."
    ),
    Msg.APPROVALS_PROGRESS: "{count} von {required} Freigaben: {who}",
    Msg.APPROVALS_COUNT: "{count} von {required} Freigaben",
    Msg.APPROVALS_NONE: "0 von {required} Freigaben",
    Msg.WAITING_ONE_MORE: "es fehlt noch eine Freigabe",
    Msg.WAITING_MORE: "es fehlen noch {count} Freigaben",
    Msg.WAITING_NONE: "die nächste Freigabe ruft Braze auf",
    Msg.STATE_PENDING_PROGRESS: "wartet, {progress}",
    Msg.CONFIRM_APPROVE_TITLE_PARTIAL: "Anfrage freigeben?",
    Msg.CONFIRM_APPROVE_TEXT_PARTIAL: (
        "Das ist Freigabe {count} von {required}. Braze wird noch nicht aufgerufen, sondern erst "
        "nach der letzten Freigabe, genau einmal; dann zählt die Sende-ID zum heutigen Kontingent."
    ),
    Msg.REMINDER_REPLY_PROGRESS: (
        ":bell: {progress}; {waiting}: {approvers}. Diese Anfrage läuft {expires} ab."
    ),
    Msg.STATUS_EXPIRED_PARTIAL: (
        ":hourglass: Abgelaufen bei {progress}: Nicht genug Freigaben rechtzeitig, Braze wurde "
        "also nie aufgerufen. Wird sie noch gebraucht, frag mit *Erneut anfordern* neu an."
    ),
    Msg.EXPIRED_PARTIAL_REPLY: (
        ":hourglass: Diese Anfrage ist bei {progress} abgelaufen: Nicht genug Freigaben "
        "rechtzeitig, Braze wurde also nie aufgerufen. {requester}, wenn du sie noch brauchst, "
        "frag mit *Erneut anfordern* auf der Karte neu an."
    ),
}
