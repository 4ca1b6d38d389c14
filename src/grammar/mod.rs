//! The IOS command language as data: the `grammar/*.cli` declarations parsed into a command
//! graph, and the one matcher that executes, explains (`?`) and completes (Tab) a line
//! against it. Pure; knows nothing of the configuration model, the engine or terminals.
pub mod dsl;
pub mod graph;
pub mod handler;
pub mod matcher;
pub mod token;
pub mod words;
