//! German labels (`data-language="de"` or a German browser). A key left out here stays English.

/// `(key, text)` for [`super::Labels::set`].
pub const GERMAN: &[(&str, &str)] = &[
    ("launcher", "Chatten Sie mit uns"),
    ("launcherClose", "Chat ausblenden"),
    ("unavailable", "Chat nicht verfügbar"),
    ("unread", "{count} ungelesen"),
    ("title", "Chat"),
    ("minimise", "Chat minimieren"),
    ("loading", "Der Chat wird geladen…"),
    (
        "loadFailed",
        "Der Chat konnte nicht geladen werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    ),
    ("tryAgain", "Erneut versuchen"),
    ("endChat", "Chat beenden"),
    ("endQuestion", "Diesen Chat beenden?"),
    ("endConfirm", "Ja, beenden"),
    ("endCancel", "Weiterchatten"),
    (
        "prechatIntro",
        "Sagen Sie uns, wer Sie sind, und gleich ist jemand für Sie da.",
    ),
    ("start", "Chat starten"),
    ("requiredMark", "Pflichtfeld"),
    ("fieldRequired", "Bitte füllen Sie „{field}“ aus."),
    (
        "fieldEmail",
        "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    ),
    ("connecting", "Sie werden mit einem Mitarbeiter verbunden…"),
    (
        "queuePosition",
        "Sie sind Nummer {position} in der Warteschlange.",
    ),
    ("queueWait", "Das sind etwa {minutes} Min."),
    ("queueWaiting", "Warten auf einen Mitarbeiter…"),
    (
        "queueWrite",
        "Sie können Ihre Frage schon schreiben: Der Mitarbeiter sieht sie, sobald er da ist.",
    ),
    ("agent", "Mitarbeiter"),
    ("you", "Sie"),
    ("agentJoined", "{name} ist dem Chat beigetreten."),
    ("transferred", "Sie chatten jetzt mit {name}."),
    (
        "agentLeft",
        "Der Mitarbeiter hat den Chat verlassen. Ein anderer kann ihn übernehmen.",
    ),
    ("agentEnded", "{name} hat den Chat beendet."),
    ("visitorEnded", "Sie haben den Chat beendet."),
    ("typing", "{name} schreibt…"),
    ("transcript", "Nachrichten"),
    ("earlier", "Frühere Nachrichten anzeigen"),
    ("newer", "Neue Nachrichten"),
    ("composer", "Nachricht"),
    ("placeholder", "Nachricht eingeben…"),
    ("send", "Senden"),
    ("charsLeft", "Noch {count} Zeichen"),
    ("statusQueued", "Wartet"),
    ("statusSending", "Wird gesendet…"),
    ("statusSent", "Gesendet"),
    ("statusDelivered", "Zugestellt"),
    ("statusRead", "Gelesen"),
    ("statusFailed", "Nicht gesendet"),
    ("endedVisitor", "Sie haben den Chat beendet."),
    ("endedAgent", "{name} hat den Chat beendet."),
    (
        "endedExpired",
        "Der Chat ist beendet: Die Sitzung ist abgelaufen.",
    ),
    (
        "endedOtherTab",
        "Der Chat wurde beendet, weil er in einem zweiten Tab oder Fenster geöffnet wurde.",
    ),
    (
        "endedError",
        "Der Chat wurde wegen eines Verbindungsproblems beendet. Das tut uns leid.",
    ),
    ("newChat", "Neuen Chat starten"),
    ("offlineTitle", "Wir sind gerade nicht da"),
    (
        "offlineText",
        "Im Moment ist kein Mitarbeiter erreichbar. Bitte versuchen Sie es später noch einmal.",
    ),
    ("reconnecting", "Verbindung wird wiederhergestellt…"),
    ("connectionProblem", "Verbindungsproblem. Neuer Versuch…"),
    ("connectionLost", "Verbindung unterbrochen. Neuer Versuch…"),
    (
        "idleWarning",
        "Sind Sie noch da? Ohne Antwort endet der Chat bald.",
    ),
    (
        "crashed",
        "Der Chat ist gerade nicht verfügbar. Bitte laden Sie die Seite neu.",
    ),
    ("statusOnline", "Mitarbeiter erreichbar"),
    ("statusOffline", "Mitarbeiter nicht erreichbar"),
    ("waitEstimate", "Die Wartezeit beträgt etwa {minutes} Min."),
    ("contact", "Kontakt aufnehmen"),
    ("checkAgain", "Erneut prüfen"),
    ("download", "Verlauf herunterladen"),
    ("transcriptTitle", "Chatverlauf"),
    ("postChat", "Wie war unser Service?"),
    ("otherTab", "Dieser Chat ist in einem anderen Tab geöffnet."),
    ("continueHere", "Hier fortsetzen"),
    (
        "messageShortened",
        "Text auf {max} Zeichen gekürzt (Höchstlänge).",
    ),
    #[cfg(feature = "miaw")]
    ("sessionEnded", "Die Chat-Sitzung wurde beendet."),
    #[cfg(feature = "miaw")]
    (
        "sessionContinue",
        "Schreiben Sie eine Nachricht, um das Gespräch fortzusetzen, oder starten Sie einen neuen Chat.",
    ),
    #[cfg(feature = "miaw")]
    (
        "inactive",
        "Der Chat ruht, weil eine Weile keine Antwort kam. Schreiben Sie eine Nachricht, um ihn fortzusetzen.",
    ),
    #[cfg(feature = "miaw")]
    (
        "unshowable",
        "{name} hat eine Nachricht gesendet, die hier nicht angezeigt werden kann.",
    ),
    #[cfg(feature = "miaw")]
    ("attach", "Datei anhängen"),
    #[cfg(feature = "miaw")]
    (
        "fileTooLarge",
        "{name} ist zu groß: Dateien bis {max} können gesendet werden.",
    ),
    #[cfg(feature = "miaw")]
    (
        "fileType",
        "{name} kann nicht gesendet werden: Bilder, PDF- und Textdateien schon.",
    ),
    #[cfg(feature = "miaw")]
    (
        "fileRefusedSize",
        "Die Datei wurde nicht gesendet: Sie ist größer, als dieser Chat annimmt.",
    ),
    #[cfg(feature = "miaw")]
    (
        "fileRefusedType",
        "Die Datei wurde nicht gesendet: Dieser Chat nimmt Dateien dieser Art nicht an.",
    ),
    #[cfg(feature = "miaw")]
    ("fileRefused", "Die Datei konnte nicht zugestellt werden."),
    #[cfg(feature = "miaw")]
    (
        "transcriptFailed",
        "Das Protokoll konnte nicht heruntergeladen werden. Bitte erneut versuchen.",
    ),
    #[cfg(feature = "miaw")]
    ("signIn", "Melden Sie sich an, um mit uns zu chatten."),
    #[cfg(feature = "miaw")]
    (
        "identityRefused",
        "Wir konnten Sie nicht bestätigen. Bitte melden Sie sich erneut an.",
    ),
    #[cfg(feature = "miaw")]
    ("uploading", "Wird hochgeladen… {percent} %"),
    #[cfg(feature = "miaw")]
    ("cancel", "Abbrechen"),
    #[cfg(feature = "miaw")]
    ("retry", "Erneut senden"),
    #[cfg(feature = "miaw")]
    ("formHere", "Dieses Formular kann hier nicht ausgefüllt werden."),
    #[cfg(feature = "miaw")]
    ("errorPrefix", "Fehler:"),
    #[cfg(feature = "miaw")]
    ("sources", "Quellen"),
    #[cfg(feature = "miaw")]
    ("cards", "Optionen, seitlich blättern für mehr"),
];

#[cfg(test)]
mod tests {
    use super::super::Labels;
    use super::GERMAN;

    #[test]
    fn every_german_key_is_a_label_and_german_is_picked_for_de() {
        let mut l = Labels::english();
        for (key, text) in GERMAN {
            assert!(l.set(key, text), "unknown key {key}");
        }
        // Nearly everything is translated (a label added later may wait for its translation).
        assert!(
            GERMAN.len() + 3 >= Labels::KEYS.len(),
            "German misses labels"
        );
        let de = Labels::for_language("de-AT");
        assert_eq!(de.launcher(), "Chatten Sie mit uns");
        assert!(!de.rtl);
        assert_eq!(Labels::for_language("en-GB").launcher(), "Chat with us");
        assert!(Labels::for_language("ar").rtl && Labels::for_language("he-IL").rtl);
    }
}
