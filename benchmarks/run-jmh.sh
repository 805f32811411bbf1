#!/usr/bin/env bash
# Builds the data-channel library and the benchmark jar, then runs JMH.
# Any arguments go to JMH, e.g. a short run:  benchmarks/run-jmh.sh -f 1 -wi 2 -i 3 -w 1 -r 1
# Without arguments JMH uses the defaults (5 forks x 5 iterations of 10 s: about 25 minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Offline first; fall back to online once if Maven still has to fetch JMH.
mvn -B -q -o install -pl bundles/culvert.openvpn,benchmarks/culvert.jmh -DskipTests \
  || mvn -B -q install -pl bundles/culvert.openvpn,benchmarks/culvert.jmh -DskipTests
exec java -jar benchmarks/culvert.jmh/target/benchmarks.jar "$@"
