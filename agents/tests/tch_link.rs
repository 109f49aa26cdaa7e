//! Proves that libtorch is linked and usable: a small MLP takes optimizer steps on a
//! regression problem and its loss falls.

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

#[test]
fn mlp_optimizer_steps_reduce_the_loss() {
    tch::manual_seed(7);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = nn::seq()
        .add(nn::linear(vs.root() / "l1", 4, 32, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(vs.root() / "l2", 32, 1, Default::default()));
    let mut opt = nn::Adam::default().build(&vs, 1e-2).expect("Adam builds");

    let x = Tensor::randn([256, 4], (Kind::Float, Device::Cpu));
    let y = x.sum_dim_intlist(1, true, Kind::Float);
    let loss_of = |net: &nn::Sequential| net.forward(&x).mse_loss(&y, tch::Reduction::Mean);

    let before = loss_of(&net).double_value(&[]);
    for _ in 0..200 {
        opt.backward_step(&loss_of(&net));
    }
    let after = loss_of(&net).double_value(&[]);
    // Fitting a linear target with an MLP: 200 Adam steps must cut the error by far.
    assert!(after < 0.05 * before, "loss {before} -> {after}");
}
