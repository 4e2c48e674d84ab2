#!/usr/bin/env bash
# Spark (MODU_TARGET=spark and the parity tests) runs on a Java 17 or newer JVM.
# Uses the java on PATH (or JAVA_HOME) if it is new enough; otherwise, as root on a
# Debian-like machine, installs Debian's OpenJDK 17 runtime; otherwise says what to do.
set -euo pipefail
java_major() {
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null 2>&1 || return 1
  "$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}
major="$(java_major || true)"
if [ -n "$major" ] && [ "$major" -ge 17 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_java: installing openjdk-17-jre-headless for Spark (found: ${major:-no java})"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
  exit 0
fi
echo "ensure_java: Spark needs Java 17 or newer (found: ${major:-no java on PATH});" \
     "install a JDK/JRE 17 and put its java on PATH or set JAVA_HOME" >&2
exit 1
