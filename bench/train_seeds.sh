# Sourced by the bench scripts. train_seeds PREFIX CONFIG [--set k=v ...]: trains CONFIG once
# per seed in $seeds into PREFIX-s<seed> (skipping runs that have a metrics.json; a run's log
# goes to PREFIX-s<seed>.log), then prints the run folders joined by commas.
train_seeds() {
  local prefix=$1 config=$2
  shift 2
  local dirs=() seed dir
  for seed in "${seeds[@]}"; do
    dir="$prefix-s$seed"
    if [ ! -f "$dir/metrics.json" ]; then
      rm -rf "$dir"
      build/app/gedilog train "$config" --set train.seed="$seed" "$@" --out "$dir" >/dev/null 2>"$dir.log" ||
        echo "$dir failed: see $dir.log" >&2
    fi
    dirs+=("$dir")
  done
  (IFS=,; echo "${dirs[*]}")
}
