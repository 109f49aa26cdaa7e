//! Saving and resuming a DQN agent: one file with the weights, the target network,
//! Adam's moments, the replay buffer, the steps waiting for their multi-step return,
//! the observation normaliser, the counters, the generators' states and the
//! configuration, so that a resumed run continues exactly where it stopped.

use super::{Dqn, DqnConfig, MultiStep, Normaliser, Progress, ReplayBuffer};
use crate::baselines::RulePolicy;
use crate::policy::{PolicyRng, Sampler};
use crate::state::Decisions;
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

/// The first line of libtorch's `error`: the rest is a C++ stack trace.
fn first_line(error: &tch::TchError) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().to_string()
}

/// What libtorch says is wrong with an archive, without its advice about
/// corrupted files and its internal names: "failed finding central directory".
fn libtorch_reason(error: &tch::TchError) -> String {
    let line = first_line(error);
    let reason = line
        .split("zip archive: ")
        .nth(1)
        .unwrap_or(&line)
        .split(". This is")
        .next()
        .unwrap_or_default();
    reason.trim_end_matches('.').to_string()
}

/// Why a checkpoint could not be encoded or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// libtorch could not encode the tensors.
    #[error("cannot encode the DQN checkpoint: {message}")]
    Encode {
        /// libtorch's message, without its C++ stack trace.
        message: String,
    },
    /// libtorch could not write or read the file.
    #[error("{}: {message}", path.display())]
    File {
        /// The checkpoint file.
        path: PathBuf,
        /// libtorch's message, without its C++ stack trace.
        message: String,
    },
    /// The file is not a complete onboard DQN checkpoint.
    #[error("{}: not a checkpoint onboard can read: {problem}", path.display())]
    Format {
        /// The checkpoint file.
        path: PathBuf,
        /// What is missing or wrong.
        problem: String,
    },
}

fn text_tensor<T: serde::Serialize>(value: &T) -> Result<Tensor, String> {
    ron::to_string(value)
        .map(|text| Tensor::from_slice(text.as_bytes()))
        .map_err(|e| e.to_string())
}

fn text_value<T: serde::de::DeserializeOwned>(tensor: &Tensor) -> Result<T, String> {
    let bytes: Vec<u8> = Vec::<u8>::try_from(tensor).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    ron::from_str(&text).map_err(|e| e.to_string())
}

fn to_vec<T: tch::kind::Element + Copy>(tensor: &Tensor) -> Result<Vec<T>, String> {
    Vec::<T>::try_from(tensor.to_device(Device::Cpu)).map_err(|e| e.to_string())
}

/// Where training stands, by name, as a checkpoint keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Counters {
    /// Transitions observed.
    transitions: u64,
    /// Gradient steps taken.
    gradient_steps: u64,
    /// Transitions observed since the last update.
    pending: u64,
    /// Adam's steps (for its bias corrections).
    adam_steps: i64,
    /// Width of the observations.
    features: usize,
    /// Number of actions.
    actions: usize,
    /// The replay buffer's next slot to write.
    replay_next: usize,
    /// Transitions the replay buffer holds.
    replay_len: usize,
}

impl Counters {
    /// The counters of `tensor`: RON text, or in checkpoints of earlier versions
    /// eight integers in the order of the fields.
    fn read(tensor: &Tensor) -> Result<Self, String> {
        if tensor.kind() == Kind::Uint8 {
            return text_value(tensor);
        }
        let values: Vec<i64> = to_vec(tensor)?;
        let [
            transitions,
            gradient_steps,
            pending,
            adam_steps,
            features,
            actions,
            next,
            len,
        ] = values[..]
        else {
            return Err(format!("expected 8 counters, got {}", values.len()));
        };
        let count = |value: i64| {
            usize::try_from(value).map_err(|_| format!("a negative counter ({value})"))
        };
        Ok(Self {
            transitions: count(transitions)? as u64,
            gradient_steps: count(gradient_steps)? as u64,
            pending: count(pending)? as u64,
            adam_steps,
            features: count(features)?,
            actions: count(actions)?,
            replay_next: count(next)?,
            replay_len: count(len)?,
        })
    }
}

impl Dqn {
    /// The whole training state as the bytes of a checkpoint file (a libtorch
    /// archive), encoded in memory so that the file is written from Rust
    /// ([`crate::save_agent`]): a full disk is an ordinary error.
    /// `decisions` (what the agent decides) is recorded with it.
    pub fn to_checkpoint(&self, decisions: &Decisions) -> Result<Vec<u8>, CheckpointError> {
        let format = |message: String| CheckpointError::Encode { message };
        let r = &self.replay;
        let counters = Counters {
            transitions: self.progress.transitions,
            gradient_steps: self.progress.gradient_steps,
            pending: self.progress.pending,
            adam_steps: self.adam.t,
            features: self.features,
            actions: self.n_actions,
            replay_next: r.next,
            replay_len: r.len,
        };
        let named: Vec<(&str, Tensor)> = vec![
            ("params", self.params.detach().to_device(Device::Cpu)),
            ("target", self.target.to_device(Device::Cpu)),
            ("adam_m", self.adam.m.to_device(Device::Cpu)),
            ("adam_v", self.adam.v.to_device(Device::Cpu)),
            ("counters", text_tensor(&counters).map_err(format)?),
            ("config", text_tensor(&self.config).map_err(format)?),
            ("actions", text_tensor(&self.actions).map_err(format)?),
            ("decisions", text_tensor(decisions).map_err(format)?),
            ("normaliser", text_tensor(&self.normaliser).map_err(format)?),
            ("multistep", text_tensor(&self.multistep).map_err(format)?),
            ("guide", text_tensor(&self.guide).map_err(format)?),
            ("batch_rng", text_tensor(&self.rng).map_err(format)?),
            (
                "action_rng",
                text_tensor(self.sampler_rng()).map_err(format)?,
            ),
            ("replay_observations", Tensor::from_slice(&r.observations)),
            (
                "replay_next_observations",
                Tensor::from_slice(&r.next_observations),
            ),
            ("replay_actions", Tensor::from_slice(&r.actions)),
            ("replay_rewards", Tensor::from_slice(&r.rewards)),
            ("replay_done", Tensor::from_slice(&r.done)),
        ];
        let mut bytes = Vec::new();
        Tensor::save_multi_to_stream(&named, &mut bytes).map_err(|e| CheckpointError::Encode {
            message: first_line(&e),
        })?;
        Ok(bytes)
    }

    /// Reads the checkpoint file `path` ([`Dqn::to_checkpoint`]), ready to act or to
    /// continue training.
    pub fn load(path: &Path) -> Result<Self, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|e| CheckpointError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Self::from_bytes(&bytes, path)?.0)
    }

    /// The agent of the checkpoint `bytes`, read from the file `path`, and what it
    /// decides (`None` in checkpoints of earlier versions).
    pub fn from_bytes(
        bytes: &[u8],
        path: &Path,
    ) -> Result<(Self, Option<Decisions>), CheckpointError> {
        super::numerics::pin();
        let format = |problem: String| CheckpointError::Format {
            path: path.to_path_buf(),
            problem,
        };
        // libtorch's own message for a file that is no zip archive ("internal
        // miniz error") says nothing a user can act on.
        if bytes.is_empty() {
            return Err(format("the file is empty".into()));
        }
        if !bytes.starts_with(b"PK\x03\x04") {
            return Err(format(
                "a checkpoint is a zip archive, as `onboard train` writes best.ot and \
                 checkpoint.ot, and this file is not one"
                    .into(),
            ));
        }
        let tensors = Tensor::load_multi_from_stream(std::io::Cursor::new(bytes)).map_err(|e| {
            format(format!(
                "the archive is damaged or not libtorch's (libtorch: {})",
                libtorch_reason(&e)
            ))
        })?;
        let get = |name: &str| {
            tensors
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.shallow_clone())
                .ok_or_else(|| format(format!("no '{name}' tensor")))
        };
        let config: DqnConfig = text_value(&get("config")?).map_err(format)?;
        let counters = Counters::read(&get("counters")?).map_err(format)?;
        let actions: Vec<String> = text_value(&get("actions")?).map_err(format)?;
        if actions.len() != counters.actions {
            return Err(format(format!(
                "{} action names for {} actions",
                actions.len(),
                counters.actions
            )));
        }
        let mut agent = Dqn::for_actions(&config, counters.features, &actions, 0)
            .map_err(|e| format(e.to_string()))?;
        let params = get("params")?;
        if params.size() != [agent.architecture.size()] {
            return Err(format(format!(
                "weights of shape {:?} do not fit the configuration",
                params.size()
            )));
        }
        let device = agent.device;
        agent.params = params
            .to_kind(Kind::Float)
            .to_device(device)
            .set_requires_grad(true);
        agent.target = get("target")?.to_device(device);
        agent.adam.m = get("adam_m")?.to_device(device);
        agent.adam.v = get("adam_v")?.to_device(device);
        agent.adam.t = counters.adam_steps;
        agent.progress = Progress {
            transitions: counters.transitions,
            gradient_steps: counters.gradient_steps,
            pending: counters.pending,
        };
        agent.normaliser = text_value::<Normaliser>(&get("normaliser")?).map_err(format)?;
        agent.refresh_normalisation();
        agent.multistep = text_value::<MultiStep>(&get("multistep")?).map_err(format)?;
        // Checkpoints of earlier versions have no guide, nor did their agents.
        if let Ok(guide) = get("guide") {
            agent.guide = text_value::<Option<RulePolicy>>(&guide).map_err(format)?;
        }
        agent.rng = text_value::<PolicyRng>(&get("batch_rng")?).map_err(format)?;
        agent.sampler =
            Sampler::from_rng(text_value::<PolicyRng>(&get("action_rng")?).map_err(format)?);
        let replay = ReplayBuffer {
            capacity: config.buffer_size,
            features: counters.features,
            next: counters.replay_next,
            len: counters.replay_len,
            observations: to_vec(&get("replay_observations")?).map_err(format)?,
            next_observations: to_vec(&get("replay_next_observations")?).map_err(format)?,
            actions: to_vec(&get("replay_actions")?).map_err(format)?,
            rewards: to_vec(&get("replay_rewards")?).map_err(format)?,
            done: to_vec(&get("replay_done")?).map_err(format)?,
        };
        let rows = replay.capacity;
        if replay.observations.len() != rows * replay.features
            || replay.actions.len() != rows
            || replay.len > rows
        {
            return Err(format(
                "the replay buffer does not fit the configuration".to_string(),
            ));
        }
        agent.replay = replay;
        let decisions = match get("decisions") {
            Ok(tensor) => Some(text_value::<Decisions>(&tensor).map_err(format)?),
            Err(_) => None,
        };
        Ok((agent, decisions))
    }

    fn sampler_rng(&self) -> &PolicyRng {
        self.sampler.rng_ref()
    }
}
