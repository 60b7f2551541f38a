#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, to test the cluster path (workflow/profiles/slurm)
# without a real cluster. Debian/Ubuntu, as root.
#
#   scripts/slurm-cluster.sh install   # apt-get install slurm-wlm munge (once; skipped if present)
#   scripts/slurm-cluster.sh start     # start it (returns once the node accepts jobs)
#   scripts/slurm-cluster.sh status    # sinfo, the daemons' PIDs
#   scripts/slurm-cluster.sh stop      # cancel its jobs, stop the daemons it started
#
# Everything lives in one state folder, $QGEN_SLURM_DIR (default /tmp/qgen-slurm): slurm.conf,
# controller state, slurmd spool, logs and the PIDs of the daemons this script started. `stop`
# signals exactly those PIDs (checking each is still the daemon it started), never by name.
# The SLURM commands find the cluster through /etc/slurm/slurm.conf, which `start` makes a link to
# the state folder's slurm.conf (and `stop` removes); SLURM_CONF alone is not enough, because the
# executor plugin's job step drops every SLURM_* variable before its inner `srun`. A host that
# already has its own /etc/slurm/slurm.conf is a real cluster node: `start` refuses to touch it.
# An already running munged is reused; otherwise one is started as user munge.
# Both `start` and `stop` are idempotent. A broken cluster shows as a hang, so `start` waits at most
# QGEN_SLURM_TIMEOUT seconds (default 60) for the node to accept jobs and fails with the logs.
#
# Settings: one node (this host), `nproc` CPUs, 80% of memory, proctrack/linuxproc, task/affinity,
# select/cons_tres with CR_Core_Memory, no accounting database (so `sacct` does not work: the
# profile queries job states with squeue, which sees finished jobs for MinJobAge seconds).
set -euo pipefail

DIR=${QGEN_SLURM_DIR:-/tmp/qgen-slurm}
TIMEOUT=${QGEN_SLURM_TIMEOUT:-60}
CTLD_PORT=${QGEN_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${QGEN_SLURM_SLURMD_PORT:-6818}
CONF=$DIR/slurm.conf
SYSTEM_CONF=/etc/slurm/slurm.conf
MUNGE_SOCKET=/run/munge/munge.socket.2

say() { echo "slurm-cluster: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# The PID recorded for a daemon, if that process is alive and still runs the expected program.
live_pid() {  # name
    local file=$DIR/pids/$1 pid
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/comm ]] || return 1
    [[ $(</proc/"$pid"/comm) == "$1" ]] || return 1
    echo "$pid"
}

answers() {  # the controller answers and the node accepts jobs
    local state
    state=$(timeout 10 sinfo --noheader --format=%T 2>/dev/null) || return 1
    [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]
}

munge_answers() { timeout 10 munge --socket="$MUNGE_SOCKET" -n </dev/null 2>/dev/null | timeout 10 unmunge --socket="$MUNGE_SOCKET" >/dev/null 2>&1; }

write_conf() {
    local host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc)
    mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
    mkdir -p "$DIR"/{state,spool,log,pids}
    cat >"$CONF" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node test cluster. Not for production.
ClusterName=qgen-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# squeue (the profile's status command) sees a finished job for MinJobAge seconds; the executor
# plugin needs at least 3 x its first status-check interval.
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if munge_answers; then
        say "munged already answers on $MUNGE_SOCKET; reusing it"
        return
    fi
    [[ -s /etc/munge/munge.key ]] || die "no /etc/munge/munge.key (apt-get install munge creates it)"
    install -d -o munge -g munge -m 0755 /run/munge
    # Foreground (-F) in the background, so that $! is munged itself.
    nohup setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
        >"$DIR/log/munged.log" 2>&1 </dev/null &
    echo $! >"$DIR/pids/munged"
    local i
    for ((i = 0; i < 20; i++)); do munge_answers && return; sleep 0.5; done
    die "munged does not answer; see $DIR/log/munged.log"
}

start_daemon() {  # name, args...
    local name=$1; shift
    nohup "/usr/sbin/$name" -D -f "$CONF" "$@" >"$DIR/log/$name.out" 2>&1 </dev/null &
    echo $! >"$DIR/pids/$name"
}

cmd_install() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        say "slurm and munge are installed"
        return
    fi
    [[ $(id -u) == 0 ]] || die "installing needs root (apt-get install slurm-wlm munge)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
    say "installed slurm-wlm and munge"
}

cmd_start() {
    command -v slurmctld >/dev/null || die "slurmctld not found: run scripts/slurm-cluster.sh install"
    [[ $(id -u) == 0 ]] || die "the test cluster runs its daemons as root"
    if live_pid slurmctld >/dev/null && live_pid slurmd >/dev/null && answers; then
        say "already running (state in $DIR)"
        return
    fi
    if [[ -e $SYSTEM_CONF || -L $SYSTEM_CONF ]] && [[ $(readlink "$SYSTEM_CONF") != "$CONF" ]]; then
        die "$SYSTEM_CONF exists and is not this test cluster's: not touching a real cluster's config"
    fi
    cmd_stop 2>/dev/null || true
    rm -rf "$DIR"/{state,spool}
    write_conf
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -sfn "$CONF" "$SYSTEM_CONF"
    start_munge
    start_daemon slurmctld -i
    start_daemon slurmd -N "$(hostname -s)"
    local waited=0
    until answers; do
        if ((waited >= TIMEOUT)) || ! live_pid slurmctld >/dev/null || ! live_pid slurmd >/dev/null; then
            say "the cluster did not come up within ${TIMEOUT}s; last log lines:"
            tail -n 15 "$DIR"/log/slurmctld.log "$DIR"/log/slurmd.log "$DIR"/log/*.out >&2 2>/dev/null || true
            cmd_stop || true
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "running: $(sinfo --noheader --format='%P %D node(s) %c CPUs %m MB %T') (state in $DIR)"
}

stop_pid() {  # name
    local pid i
    pid=$(live_pid "$1") || { rm -f "$DIR/pids/$1"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
        live_pid "$1" >/dev/null || break
        sleep 0.5
    done
    if live_pid "$1" >/dev/null; then
        say "$1 ($pid) ignored SIGTERM for 15s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/pids/$1"
    say "stopped $1 ($pid)"
}

cmd_stop() {
    [[ -d $DIR/pids ]] || { say "not running"; return 0; }
    if live_pid slurmctld >/dev/null; then
        # Jobs still on the node: cancel them, so that no job step outlives its slurmd.
        local jobs
        jobs=$(timeout 10 squeue --noheader --format=%i 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs 2>/dev/null || true
            sleep 2
        fi
    fi
    stop_pid slurmd
    stop_pid slurmctld
    stop_pid munged
    if [[ -L $SYSTEM_CONF && $(readlink "$SYSTEM_CONF") == "$CONF" ]]; then rm -f "$SYSTEM_CONF"; fi
}

cmd_status() {
    local name pid
    for name in munged slurmctld slurmd; do
        if pid=$(live_pid $name); then say "$name: running ($pid)"; else say "$name: not started here"; fi
    done
    if answers; then
        sinfo >&2
    else
        say "the cluster does not answer"
        return 1
    fi
}

case ${1:-} in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
