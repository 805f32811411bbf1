#!/usr/bin/env bash
# Builds the benchmark jar and what it uses, then runs JMH. For CPU time per operation on a busy
# machine: java -cp benchmarks/culvert.jmh/target/benchmarks.jar org.culvert.jmh.CpuTime <Benchmark> [param=value ...]
# Any arguments go to JMH, e.g. a short run:  benchmarks/run-jmh.sh -f 1 -wi 2 -i 3 -w 1 -r 1
# Without arguments JMH uses the defaults (5 forks x 5 iterations of 10 s: about 25 minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Offline first; fall back to online once if Maven still has to fetch JMH. `verify -am` builds the
# modules the benchmarks use (culvert.openvpn, .tls, platform.linux) in the reactor, without touching
# the local repository.
mvn -B -q -o verify -pl benchmarks/culvert.jmh -am -DskipTests \
  || mvn -B -q verify -pl benchmarks/culvert.jmh -am -DskipTests
exec java -jar benchmarks/culvert.jmh/target/benchmarks.jar "$@"
