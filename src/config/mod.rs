//! The configuration: the stored lines (`tree`), the typed model (`model`) and the step
//! between them (`build`). Pure: no I/O, no clock.
pub mod build;
pub mod catalog;
pub mod model;
pub mod tree;
