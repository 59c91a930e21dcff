//! Teams (DESIGN §13): a promoter creates one (a unique name, up to the size limit) and gets
//! an invite code; others join by code; one team at a time; the owner removes members,
//! hands the team over, replaces the code or disbands it. A team's points are what its
//! members earned while members.

pub(super) mod db;
pub(super) mod http;
pub(super) mod rules;
