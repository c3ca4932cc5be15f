"""Deutsch: was ein Workflow-Builder-Schritt erfährt (sein Fehler, in einem Satz, den die
Person versteht, der der Workflow gehört) und der Hinweis auf der Karte, dass ein Workflow
angefragt hat."""

from __future__ import annotations

from bot.i18n.keys import Msg

WORKFLOW: dict[Msg, str] = {
    Msg.CARD_VIA_WORKFLOW: ":zap: Per Workflow angefragt für {requester}.",
    Msg.STEP_NOT_PERMITTED: (
        "In {channel} dürfen keine Sende-IDs angefordert werden; das geht nur in: {channels}."
    ),
    Msg.STEP_INPUT_MISSING: "Die Eingabe „{name}“ des Schritts fehlt oder ist ungültig.",
    Msg.STEP_REFUSED: "Für die Campaign {campaign} wurde keine Sende-ID angefordert: {problem}",
    Msg.STEP_DATABASE_DOWN: (
        "Der Send ID bot erreicht seine Datenbank nicht, deshalb wurde nichts angefordert. "
        "Starte den Workflow später noch mal."
    ),
    Msg.STEP_NOT_TAKEN: (
        "Der Send ID bot konnte die Anfrage nicht annehmen (warum, steht in seinem Log), "
        "deshalb wurde nichts angefordert. Starte den Workflow später noch mal."
    ),
    Msg.STEP_REJECTED: (
        "{who} hat die Sende-ID-Anfrage für die Campaign {campaign} abgelehnt.{reason}"
    ),
    Msg.STEP_EXPIRED: (
        "Niemand hat rechtzeitig über die Sende-ID-Anfrage für die Campaign {campaign} "
        "entschieden. Sie ist abgelaufen, es wurde keine Sende-ID erstellt."
    ),
    Msg.STEP_CANCELLED: (
        "{who} hat die Sende-ID-Anfrage für die Campaign {campaign} zurückgezogen."
    ),
    Msg.STEP_BRAZE_REFUSED: (
        "Braze hat die Sende-ID für die Campaign {campaign}, die {who} freigegeben hat, nicht "
        "erstellt: {message}"
    ),
    Msg.STEP_SETUP_FAILED: (
        "Für die Campaign {campaign}, die {who} freigegeben hat, wurde keine Sende-ID erstellt: "
        "Braze hat die Verbindung des Bots abgelehnt. Das muss ein Admin beheben (die Admins "
        "wissen Bescheid)."
    ),
}
