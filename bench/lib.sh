# bench/lib.sh: shared pieces for benchmarks: start a real berthd like the
# integration tests do, medians, and RSS.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/integration/lib.sh"

# median: reads numbers, one a line, prints the median.
median() {
	sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'
}

# now_ms: wall clock in milliseconds (fractional).
now_ms() {
	date +%s.%N | awk '{printf "%.3f\n", $1*1000}'
}

# rss_mb PID: resident set size in MB.
rss_mb() {
	awk '/VmRSS/ {printf "%.1f\n", $2/1024}' "/proc/$1/status"
}
