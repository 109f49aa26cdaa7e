//! onboard: experiments on the onboarding environment.
//!
//! Wires the environment of [`onboard_envs`] and the policies of [`onboard_agents`] to
//! files, tables and the command line.
