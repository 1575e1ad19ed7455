//! The scripted bot of a deployment with `scriptedBot` (the demo's): it takes every new
//! conversation and messaging session at once (as `accept` with `role: "Chatbot"`), offers a
//! menu, and answers the visitor's choice, or a text equal to an option's title: a link, a file,
//! or the hand-over to a person (its transfer back to the queue, where an agent accepts from the
//! console). Anything else gets the menu again.

use super::agent::AgentAction;
use super::rich;
use super::state::{Miaw, Phase};

const GREETING: &str = "Hi! What can I do for you?";
const AGAIN: &str = "Anything else?";
const SORRY: &str = "Sorry, I can only help with these:";
const CONNECTING: &str = "Connecting you to a person…";
const LINK: &str = "Show me a link";
const FILE: &str = "Send me a file";
const PERSON: &str = "Talk to a person";
const OPTIONS: [&str; 3] = [LINK, FILE, PERSON];

impl Miaw {
    /// The scripted bot's name, when the conversation's deployment has one.
    fn scripted_bot(&self, id: &str) -> Option<String> {
        let c = self.conversations.get(id)?;
        let bot = self.deployments[c.dep].scripted_bot.as_ref()?;
        Some(bot.name.clone())
    }

    /// A scripted bot takes a conversation that has just entered the queue (a new conversation,
    /// a new messaging session, after inactivity; not a bot's transfer, which waits for a
    /// person) and greets with its menu.
    pub(super) fn bot_take(&mut self, id: &str) {
        let Some(name) = self.scripted_bot(id) else {
            return;
        };
        let waiting = self
            .conversations
            .get(id)
            .is_some_and(|c| c.phase == Phase::Waiting && c.routing_status != "TRANSFER");
        if !waiting {
            return;
        }
        let taken = self.agent_action(
            id,
            AgentAction::Accept {
                name: &name,
                bot: true,
            },
        );
        if taken.is_ok() {
            self.agent_send(id, rich::menu("Buttons", GREETING, &OPTIONS));
        }
    }

    /// The scripted bot, when it is the conversation's connected participant, answers what the
    /// visitor said (a text, or the title of the option chosen). `base`: the server's base URL.
    pub(super) fn bot_answer(&mut self, id: &str, said: &str, base: &str) {
        let Some(name) = self.scripted_bot(id) else {
            return;
        };
        let connected = self.conversations.get(id).is_some_and(|c| {
            c.phase == Phase::Active
                && c.agent_connected
                && c.participant_role == "Chatbot"
                && c.agent_name.as_deref() == Some(name.as_str())
        });
        if !connected {
            return;
        }
        let said = said.trim();
        let is = |option: &str| said.eq_ignore_ascii_case(option);
        if is(LINK) || is(FILE) {
            let m = if is(LINK) {
                rich::link(&mut self.files, base)
            } else {
                rich::file(&mut self.files, base)
            };
            self.agent_send(id, m);
            self.agent_send(id, rich::menu("QuickReplies", AGAIN, &OPTIONS));
        } else if is(PERSON) {
            self.agent_send(id, rich::text(CONNECTING));
            let _ = self.agent_action(id, AgentAction::Transfer(None));
        } else {
            self.agent_send(id, rich::text(SORRY));
            self.agent_send(id, rich::menu("Buttons", GREETING, &OPTIONS));
        }
    }
}
