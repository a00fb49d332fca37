//! The names the local server is reached by: its superuser and its
//! databases.

/// The superuser initdb creates, and the user of
/// [`LocalEngine::url`](super::LocalEngine::url).
pub const SUPERUSER: &str = "dwh";

/// The database of [`LocalEngine::url`](super::LocalEngine::url).
pub const DATABASE: &str = "dwh";

/// The database of the generated demo data (`dwh all` without `--data`),
/// kept apart from [`DATABASE`] so that synthetic rows never mix with real
/// ones (the generator's user 49 is not the sample's user 49).
pub const DEMO_DATABASE: &str = "dwh_demo";
