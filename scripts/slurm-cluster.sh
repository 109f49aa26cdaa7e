#!/usr/bin/env bash
# A real single-node Slurm cluster on localhost, for the sweep's Slurm test (tests/slurm.rs).
#
#   scripts/slurm-cluster.sh install     installs Slurm and munge from Debian's packages if missing
#   scripts/slurm-cluster.sh start DIR   installs if missing, writes DIR/slurm.conf, starts munged
#                                        (unless one already answers), slurmctld and slurmd, and
#                                        waits until the node is idle; then point the Slurm commands
#                                        at it with SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-cluster.sh stop DIR    stops the daemons that `start DIR` started (their process
#                                        ids are in DIR/run), and only those
#
# Needs root (the packages, munged as the munge user, slurmd). There is no systemd: the daemons
# are started by hand, as ../shared/SLURM.md describes. `start` first stops what an earlier
# `start DIR` left running (a killed test), so the ports 6817 and 6818 are free again.
set -euo pipefail

packages=(slurmctld slurmd slurm-client munge)

die() {
    echo "slurm-cluster: $*" >&2
    exit 1
}

install_if_missing() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "Slurm is not installed, and installing it needs root: run as root, or install ${packages[*]} from Debian's packages"
    command -v apt-get >/dev/null || die "Slurm is not installed and there is no apt-get to install ${packages[*]}"
    echo "slurm-cluster: installing ${packages[*]} (once)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

# Waits up to $2 tenths of a second for the command $1 to succeed.
wait_for() {
    local tries=$2
    until eval "$1" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Stops the process whose id is in the file $1, if it runs, and waits until it is gone (a zombie
# left for PID 1 to reap counts as gone).
stop_pid_file() {
    local file=$1 pid state
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    rm -f "$file"
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
        [ "$state" = gone ] || [ "$state" = Z ] && return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    local dir=$1
    stop_pid_file "$dir/run/slurmd.pid"
    stop_pid_file "$dir/run/slurmctld.pid"
    stop_pid_file "$dir/run/munged.pid"
}

write_conf() {
    local dir=$1 cpus memory
    cpus=$(nproc)
    memory=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
    cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-cluster.sh: one node (localhost), no cgroups, no accounting database.
ClusterName=onboard
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
    local dir=$1
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        return # a munged already answers: use it, and leave it running
    fi
    [ -f /etc/munge/munge.key ] || mungekey --create --force
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    runuser -u munge -- /usr/sbin/munged
    wait_for "munge -n </dev/null | unmunge" 100 || die "munged does not answer (see /var/log/munge/munged.log)"
    cp /run/munge/munged.pid "$dir/run/munged.pid"
}

start() {
    local dir=$1
    [ "$(id -u)" -eq 0 ] || die "starting Slurm's daemons needs root"
    install_if_missing
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop "$dir"
    rm -rf "$dir/spool" "$dir/log"
    mkdir -p "$dir/spool/ctld" "$dir/spool/d" "$dir/run" "$dir/log"
    write_conf "$dir"
    export SLURM_CONF=$dir/slurm.conf
    start_munged "$dir"
    if ! slurmctld -f "$SLURM_CONF"; then
        die "slurmctld did not start (is another Slurm using port 6817? see $dir/log/slurmctld.log)"
    fi
    slurmd -f "$SLURM_CONF" -N localhost || die "slurmd did not start (see $dir/log/slurmd.log)"
    wait_for '[ "$(sinfo -h -n localhost -o %T)" = idle ]' 300 ||
        die "the node is not idle after 30 s: $(sinfo -h -n localhost -o %T 2>&1) (see $dir/log)"
    echo "slurm-cluster: one node idle; SLURM_CONF=$SLURM_CONF" >&2
}

case "${1:-}" in
    install) install_if_missing ;;
    start) start "${2:?usage: slurm-cluster.sh start DIR}" ;;
    stop) stop "$(cd "${2:?usage: slurm-cluster.sh stop DIR}" && pwd)" ;;
    *) die "usage: slurm-cluster.sh install | start DIR | stop DIR" ;;
esac
