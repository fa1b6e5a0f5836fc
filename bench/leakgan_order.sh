# The ORDER of LeakGAN's reference runs, shared by bench/leakgan_reference_log.sh (whole runs) and
# bench/leakgan_gsteps.sh (g-steps alone from a whole run's saved pre-training); sourced, not run.
#
# ORDER: shuffled (G's pre-training data shuffled every epoch, our default) or fixed (the one order
# the data came in, every epoch, as LeakGAN's code's loader walks it: --pretrain-shuffle 0),
# followed by any of these changes from the reference protocol, each for a question of its own:
#   -lr0.01: G's Adam rate 0.01, the rate Main.py sets before its length-20 branch sets 0.0015 (is
#     the faster fall of LeakGAN's second log that rate's?);
#   -3rounds: the pre-training cut to its first 3 rounds (about 45 minutes at 2 threads), to reach
#     the adversarial phase's first batches in an hour;
#   -carried-adam: pre-training's Adam moments carried into the g-steps (--fresh-adversarial-adam
#     0), as every run of this protocol before commit 7a6000e had them;
#   -first-tokens-1: the first two tokens of the g-steps' samples drawn at temperature 1, as every
#     run before commit 7b98be4 had them (--first-tokens-temperature 1; the code draws them at 2/3);
#   -goal-shift: scored with each block's goals one prefix later than sampled (--score-goal-shift 1),
#     as the code's teacher-forced graph has them (its pre-training too: a run of its own);
#   -adversarial-goal-shift: the same from the first g-step on, the pre-training without it
#     (--adversarial-goal-shift 1), from the saved pre-training of the ORDER without it;
#   -d-init: D's first draws as the code's (--d-init reference: a U(-1, 1) embedding, convolutions
#     from a truncated normal of std 0.1 with biases 0.1, Glorot highway);
#   -pad-row: the leak's unfilled positions embedded as a fixed random row (--leak-pad random), as
#     the code pads them with a row of D's embedding that is never trained, where ours are zero;
#   -block-manager: the manager's cosine per block, each block's goal sum against the block's
#     feature change (--manager-loss block), as the code's, where ours is per goal;
#   -learned-goal-init: a goal_init learned per batch slot (--goal-init learned), as the code's,
#     where ours is one fixed vector (trained only by the block form's first block);
#   -block-worker: the worker's batch scalar as the code's Worker_Reward (--worker-cosine block),
#     each token's feature change since its block's start against its goal sum, where ours is the
#     batch mean of the intrinsic reward.
# For example fixed-3rounds-carried-adam. -carried-adam, -first-tokens-1, -adversarial-goal-shift
# and -block-worker change the adversarial phase alone: a run of an ORDER with them starts
# from the saved pre-training of the ORDER without them, when one is there (leakgan_pretrain_from).

# leakgan_order SCRIPT ORDER: sets leakgan_shuffle (1 or 0), leakgan_extra (the suffixes' options,
# an array), leakgan_suffixes (the suffixes given, an array: lr0.01 3rounds ...), leakgan_tag
# (ORDER with '_' for '-': fixed_3rounds_goal_shift) and leakgan_pretrain_tag (the same without
# the adversarial phase's suffixes: the run whose pre-training this one's is); returns 2 with a
# message naming SCRIPT on an ORDER it does not know.
leakgan_order() {
  local script=$1 order=$2 rest
  leakgan_extra=() leakgan_suffixes=() leakgan_tag=${order//-/_}
  rest=$order
  case $rest in
    shuffled*) leakgan_shuffle=1 leakgan_pretrain_tag=shuffled rest=${rest#shuffled} ;;
    fixed*) leakgan_shuffle=0 leakgan_pretrain_tag=fixed rest=${rest#fixed} ;;
    *) rest=?$rest ;;
  esac
  while [ -n "$rest" ]; do
    case $rest in
      -lr0.01*) leakgan_extra+=(--g-lr 0.01) leakgan_suffixes+=(lr0.01) rest=${rest#-lr0.01} ;;
      -3rounds*) leakgan_extra+=(--pretrain-rounds 3) leakgan_suffixes+=(3rounds) rest=${rest#-3rounds} ;;
      -carried-adam*) leakgan_extra+=(--fresh-adversarial-adam 0) leakgan_suffixes+=(carried-adam) rest=${rest#-carried-adam} ;;
      -first-tokens-1*) leakgan_extra+=(--first-tokens-temperature 1) leakgan_suffixes+=(first-tokens-1) rest=${rest#-first-tokens-1} ;;
      -goal-shift*) leakgan_extra+=(--score-goal-shift 1) leakgan_suffixes+=(goal-shift) rest=${rest#-goal-shift} ;;
      -adversarial-goal-shift*) leakgan_extra+=(--adversarial-goal-shift 1) leakgan_suffixes+=(adversarial-goal-shift)
        rest=${rest#-adversarial-goal-shift} ;;
      -d-init*) leakgan_extra+=(--d-init reference) leakgan_suffixes+=(d-init) rest=${rest#-d-init} ;;
      -pad-row*) leakgan_extra+=(--leak-pad random) leakgan_suffixes+=(pad-row) rest=${rest#-pad-row} ;;
      -block-manager*) leakgan_extra+=(--manager-loss block) leakgan_suffixes+=(block-manager) rest=${rest#-block-manager} ;;
      -learned-goal-init*) leakgan_extra+=(--goal-init learned) leakgan_suffixes+=(learned-goal-init) rest=${rest#-learned-goal-init} ;;
      -block-worker*) leakgan_extra+=(--worker-cosine block) leakgan_suffixes+=(block-worker) rest=${rest#-block-worker} ;;
      *) echo "$script: ORDER is shuffled or fixed followed by any of -lr0.01, -3rounds, -carried-adam, -first-tokens-1, -goal-shift, -adversarial-goal-shift, -d-init, -pad-row, -block-manager, -learned-goal-init, -block-worker, not '$order'" >&2
        return 2 ;;
    esac
  done
  local x
  for x in "${leakgan_suffixes[@]}"; do
    case $x in carried-adam | first-tokens-1 | adversarial-goal-shift | block-worker) ;; *) leakgan_pretrain_tag+=_${x//-/_} ;; esac
  done
}

# leakgan_pretrain_from RUNS SEED: prints the saved pre-training (RUNS/<run>/pretrain.safetensors)
# of a run of SEED whose pre-training is this ORDER's (after leakgan_order: the same
# leakgan_pretrain_tag), the ORDER without its adversarial suffixes first, or nothing.
leakgan_pretrain_from() {
  local runs=$1 seed=$2 d name order base=${leakgan_pretrain_tag}_s$2
  [ "$leakgan_pretrain_tag" = shuffled ] && base=s$seed
  for d in "$runs/$base" "$runs"/*_s"$seed"; do
    [ -f "$d/pretrain.safetensors" ] || continue
    name=$(basename "$d")
    order=${name%_s"$seed"} order=${order//_/-}
    [ "$name" = "s$seed" ] && order=shuffled
    # (in a subshell: this ORDER's variables stay)
    [ "$(if leakgan_order leakgan_pretrain_from "$order" 2> /dev/null; then echo "$leakgan_pretrain_tag"; fi)" = \
      "$leakgan_pretrain_tag" ] || continue
    echo "$d/pretrain.safetensors"
    return 0
  done
}

# leakgan_train_args SEED ORACLE: sets leakgan_args, the train command's options every run of
# either script has (after leakgan_order): the reference protocol on SeqGAN's oracle, batches of
# 64 sequences of 20 tokens on 64 envs (1,280 steps), NLL-oracle (temperature 2/3, 9,984
# samples) where LeakGAN's log takes it in pre-training and after every adversarial batch.
leakgan_train_args() {
  leakgan_args=(--agent leakgan --env TextOracle-v0 --env-options "{\"oracle\": \"$2\"}"
    --protocol paper-reference --seed "$1" --num-envs 64 --pretrain-nll-every 5 --nll-every 1
    --pretrain-shuffle "$leakgan_shuffle" "${leakgan_extra[@]}")
}
