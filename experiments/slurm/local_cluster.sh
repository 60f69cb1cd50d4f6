#!/usr/bin/env bash
# A real single-node Slurm on this machine, for CI tests of the Slurm/submitit path.
#
#   experiments/slurm/local_cluster.sh up     install (if missing), configure, start, wait until idle
#   experiments/slurm/local_cluster.sh down   stop the daemons, forget all jobs, remove the sacct stand-in
#
# Both are idempotent. Needs root (daemons run as root, config lives in /etc/slurm).
# Design: no cgroups, no systemd, no accounting daemon; `sacct` is replaced by a stand-in
# that answers from squeue (see experiments/slurm/sacct), because submitit polls sacct.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF=/etc/slurm/slurm.conf                 # clients (sbatch, squeue, ...) read the default path
STATE=/var/lib/slurm-local                 # slurmctld state + slurmd spool; wiped by `down`
LOGS=/var/log/slurm-local
RUN=/run/slurm-local                       # pid files
SACCT_DST=/usr/local/bin/sacct             # ahead of /usr/bin/sacct on the usual PATH
MARK="emotion-local-slurm-sacct-stand-in"  # lets `down` remove only our own sacct
NODE="$(hostname -s)"
WAIT_S="${SLURM_UP_TIMEOUT:-60}"

log() { echo "[local_cluster] $*" >&2; }

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }

alive() { # alive PIDFILE: the pid in it runs
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1 || true; }

install_packages() {
  # CI starts from a clean machine: install only what is missing; update the lists only then.
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
      && command -v munged >/dev/null && command -v sinfo >/dev/null; then
    return
  fi
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  local rc_policy_added=0
  # Keep package scripts from starting daemons themselves (we start them by hand below).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    rc_policy_added=1
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  [ "$rc_policy_added" = 0 ] || rm -f /usr/sbin/policy-rc.d
}

start_munge() {
  # munged refuses to start unless its dirs belong to munge and are not group/world writable.
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
      || create-munge-key -f 2>/dev/null \
      || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  chmod 0700 /etc/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  chmod 0600 /etc/munge/munge.key
  if ! alive /run/munge/munged.pid; then
    runuser -u munge -- munged
  fi
  local i
  for i in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return; sleep 0.1; done
  log "munged does not answer"; tail -n 20 /var/log/munge/munged.log >&2 || true; exit 1
}

write_conf() {
  # Describe the real hardware: `slurmd -C` gives the topology slurmd will register with
  # (a mismatch drains the node); fall back to nproc/free.
  local hw
  hw="$(slurmd -C 2>/dev/null | sed -n 's/^NodeName=[^ ]* //p' | head -n1)"
  [ -n "$hw" ] || hw="CPUs=$(nproc) RealMemory=$(free -m | awk '/^Mem:/{print $2}')"
  mkdir -p /etc/slurm
  cat >"$CONF" <<EOF
# Written by experiments/slurm/local_cluster.sh: a single-node CI cluster, no cgroups, no accounting.
ClusterName=emotion-ci
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# short credential lifetime: a requeued job may start again within seconds
AuthInfo=cred_expire=5
StateSaveLocation=${STATE}/slurmctld
SlurmdSpoolDir=${STATE}/slurmd
SlurmctldPidFile=${RUN}/slurmctld.pid
SlurmdPidFile=${RUN}/slurmd.pid
SlurmctldLogFile=${LOGS}/slurmctld.log
SlurmdLogFile=${LOGS}/slurmd.log
# root without cgroups (containers, CI)
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# no mail on this machine (silences an error in the log)
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# schedule every couple of seconds so a requeued job restarts after ~6 s, not minutes
SchedulerParameters=bf_interval=1,sched_interval=2
JobRequeue=1
ReturnToService=2
# finished jobs stay visible in squeue (and so to the sacct stand-in) for 5 minutes
MinJobAge=300
InactiveLimit=0
KillWait=10
NodeName=${NODE} NodeAddr=127.0.0.1 ${hw} State=UNKNOWN
PartitionName=debug Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP
EOF
}

install_sacct() {
  install -m 0755 "$HERE/sacct" "$SACCT_DST"
}

wait_idle() {
  local deadline=$((SECONDS + WAIT_S)) st=""
  while [ $SECONDS -lt $deadline ]; do
    st="$(node_state)"
    case "$st" in idle|mixed|allocated|completing) return 0 ;; esac
    sleep 0.5
  done
  log "node ${NODE} not up after ${WAIT_S}s (state: '${st:-none}')"
  sinfo -R >&2 2>/dev/null || true
  for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log" /var/log/munge/munged.log; do
    [ -f "$f" ] && { echo "--- tail $f" >&2; tail -n 25 "$f" >&2; }
  done
  exit 1
}

up() {
  local t0=$SECONDS
  if alive "$RUN/slurmctld.pid" && alive "$RUN/slurmd.pid" && alive /run/munge/munged.pid; then
    # Already up: verify, (re)install the stand-in, return.
    wait_idle
    install_sacct
    log "already up: node ${NODE} $(node_state)"
    return
  fi
  install_packages
  start_munge
  write_conf
  mkdir -p "$STATE/slurmctld" "$STATE/slurmd" "$LOGS" "$RUN"
  # -c: start from a clean state (no jobs from an earlier run)
  alive "$RUN/slurmctld.pid" || slurmctld -c
  alive "$RUN/slurmd.pid" || slurmd
  install_sacct
  wait_idle
  log "up in $((SECONDS - t0))s: node ${NODE} $(node_state) ($(sinfo -h -o '%c CPUs, %m MB'))"
}

stop_pidfile() { # stop_pidfile FILE NAME: TERM the pid, wait, then KILL
  local f=$1 name=$2 pid i
  pid="$( [ -s "$f" ] && cat "$f" || true)"
  # Fall back to an exact-name match if the pid file is gone (e.g. a crashed earlier run).
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || pid="$(pgrep -x "$name" || true)"
  [ -n "$pid" ] || { rm -f "$f"; return 0; }
  kill $pid 2>/dev/null || true
  for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -9 $pid 2>/dev/null || true
  rm -f "$f"
}

down() {
  stop_pidfile "$RUN/slurmd.pid" slurmd
  stop_pidfile "$RUN/slurmctld.pid" slurmctld
  # slurmstepd of jobs still running would outlive slurmd; end them too.
  pids="$(pgrep -x slurmstepd || true)"; [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  stop_pidfile /run/munge/munged.pid munged
  if [ -f "$SACCT_DST" ] && grep -q "$MARK" "$SACCT_DST"; then rm -f "$SACCT_DST"; fi
  rm -rf "$STATE"   # old jobs are gone for the next `up`
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
