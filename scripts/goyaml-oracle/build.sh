#!/bin/sh
# Builds the go-yaml v2 oracle of juju-model/tests/goyaml_oracle.rs from Debian's packages
# (go-yaml v2.4.0, the version Juju 3.x pins), into target/goyaml-oracle. Then:
#   GOYAML_ORACLE=target/goyaml-oracle cargo test -p juju-model --test goyaml_oracle
set -eu
cd "$(dirname "$0")/../.."
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/gopkg.in/yaml.v2 ]; then
    apt-get install -y golang-go golang-gopkg-yaml.v2-dev
fi
mkdir -p target
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$PWD/target/go-cache" \
    go build -o target/goyaml-oracle scripts/goyaml-oracle/main.go
echo target/goyaml-oracle
