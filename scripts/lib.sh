# lib.sh — helpers shared by demo.sh and bench.sh (sourced, not run).

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a loopback TCP port nobody listens on, below Linux's ephemeral range and never
# twice in one run (bounded tries).
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + RANDOM % 22000))
		[[ " ${USED_PORTS:-} " == *" $p "* ]] && continue
		if port_free "$p"; then
			USED_PORTS="${USED_PORTS:-} $p"
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

# wait_http [--pid PID] [--tries N] URL [curl options]: until URL answers at all (any HTTP status),
# N tenths of a second at most (default 100); fails at once when PID has exited.
wait_http() {
	local pid="" tries=100 i
	while [[ $1 == --* ]]; do
		case $1 in
		--pid) pid=$2 ;;
		--tries) tries=$2 ;;
		esac
		shift 2
	done
	for ((i = 0; i < tries; i++)); do
		[[ -z $pid ]] || kill -0 "$pid" 2>/dev/null || return 1
		curl -ks -o /dev/null --max-time 1 "${@:2}" "$1" && return 0
		sleep 0.1
	done
	echo "$1 did not come up" >&2
	return 1
}
