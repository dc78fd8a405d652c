#!/usr/bin/env bash
# Regenerate the plots the book shows, into book/src/plots/ (or DEST):
#
#   book/plots.sh [DEST]
#
# Each line of PLOTS below is "scenario plot": the scenario is run on its default seed and its
# plot.svg is copied to DEST/scenario-plot.svg. Runs are deterministic, so the files only change
# when the simulator does; tests/book.rs regenerates them into a temporary folder and fails if
# they differ from the committed ones (then run this script and commit the result).
#
# The binary is $KAFKASIM if set (the test passes its own), else target/release/kafkasim,
# built first.
set -euo pipefail
cd "$(dirname "$0")/.."

PLOTS="
why-mq orders
why-mq lag
peak-burst lag
p2p-vs-pubsub throughput
key-ordering ordering
scale-out throughput
scale-out-consumers lag
isr-shrink timeline
leader-crash throughput
controller-failover timeline
rebalance assignment
rebalance-cooperative assignment
"

dest="${1:-book/src/plots}"
bin="${KAFKASIM:-}"
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=target/release/kafkasim
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
# Run each scenario once (two at a time), then copy the chosen plots.
echo "$PLOTS" | awk 'NF { print $1 }' | sort -u |
    xargs -P 2 -I '{}' sh -c '"$1" run "$2" --out "$3/$2" > /dev/null' sh "$bin" '{}' "$work"
echo "$PLOTS" | while read -r scenario plot; do
    [ -n "$scenario" ] || continue
    cp "$work/$scenario/$plot.svg" "$dest/$scenario-$plot.svg"
done
