//! What the engine tells one SCCP connection: a queue and a wake-up, about a hundred bytes
//! per connection where a tokio channel allocates a block of 32 slots. Commands are rare (an
//! accept or a refusal per registration, now and then a restart), and ten thousand idle
//! phones each hold one.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::engine::ConnCmd;

/// One connection's incoming commands.
#[derive(Debug, Default)]
pub struct Mailbox {
    queue: Mutex<VecDeque<ConnCmd>>,
    wake: Notify,
}

impl Mailbox {
    /// Queues a command and wakes the connection.
    pub fn post(&self, cmd: ConnCmd) {
        self.queue.lock().expect("mailbox lock").push_back(cmd);
        self.wake.notify_one();
    }

    /// The next command, waiting for one if there is none.
    pub async fn next(&self) -> ConnCmd {
        loop {
            if let Some(cmd) = self.queue.lock().expect("mailbox lock").pop_front() {
                return cmd;
            }
            // notify_one stores a permit when nobody waits, so a post between the check above
            // and this wait is not lost.
            self.wake.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leg::RestartKind;

    #[tokio::test]
    async fn posts_arrive_in_order_even_before_anyone_waits() {
        let m = Mailbox::default();
        m.post(ConnCmd::Replaced);
        m.post(ConnCmd::Restart(RestartKind::Restart));
        assert_eq!(m.next().await, ConnCmd::Replaced);
        assert_eq!(m.next().await, ConnCmd::Restart(RestartKind::Restart));
    }
}
