#!/bin/sh
# Runs the example appliance from a built repository (mvn -B install -DskipTests at the root):
#   examples/culvert.example.appliance/run.sh CONFIG [--name NAME] [--counters-every SECONDS]
# The class path is what an embedding host needs: the appliance, the library (culvert.launcher), Felix,
# culvert.api and culvert.openvpn; -Dculvert.bundles names the distribution's bundle folder.
# Real tun devices need root (or CAP_NET_ADMIN); see docs/embedding.md.
here=$(cd "$(dirname "$0")" && pwd)
dist="$here/../../distribution/target"
app="$here/target/culvert.example.appliance.jar"
for f in "$app" "$dist/culvert.launcher.jar" "$dist/org.apache.felix.framework.jar" "$dist/culvert.api.jar" "$dist/culvert.openvpn.jar"; do
    if [ ! -f "$f" ]; then
        echo "run.sh: $f is missing; build first: mvn -B install -DskipTests" >&2
        exit 1
    fi
done
exec "${JAVA:-java}" ${APPLIANCE_JAVA_OPTS:-} -Dculvert.bundles="${CULVERT_BUNDLES:-$dist/bundles}" \
    -cp "$app:$dist/culvert.launcher.jar:$dist/org.apache.felix.framework.jar:$dist/culvert.api.jar:$dist/culvert.openvpn.jar" \
    org.culvert.example.appliance.Appliance "$@"
