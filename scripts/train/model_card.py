"""Renders MODEL_CARD.md from the evaluation result, so every number in it comes from evaluate.py."""


def _pct(x):
    return f"{100 * x:.1f} %"


def write_model_card(path, r, cfg):
    t, co, mlm = r["training"], r["coreference_test"], r["masked_token_accuracy"]
    best, sup = r["best_head"], r["supervised_head"]
    src = t["corpus"]["sources"]
    bd = co["best_head_breakdown"]
    rows = "\n".join(f"| {k} | {_pct(v['accuracy'])} | {v['n']} |" for k, v in bd.items())
    heads = "\n".join(
        f"| {layer} | " + " | ".join(_pct(a) for a in accs) + " |"
        for layer, accs in enumerate(co["per_head_accuracy"]))
    rand_heads = "\n".join(
        f"| {layer} | " + " | ".join(_pct(a) for a in accs) + " |"
        for layer, accs in enumerate(co["baselines"]["random_init_per_head"]))
    head_cols = " | ".join(f"head {h}" for h in range(cfg.num_attention_heads))
    sep = "|---" * (cfg.num_attention_heads + 1) + "|"
    d = r["default_sentence"]
    minutes = t["train_seconds"] / 60
    total = f"{t['total_seconds'] / 60:.0f} min from corpus building to export" if t["total_seconds"] else "see eval.json"
    run = r.get("run")
    if run:
        shared = (f"on a machine shared with other engineers' builds and tests (15-min load average "
                  f"{run['load_average_15min_at_end']} on {run['cores']} cores at the end of the run)"
                  if run["shared_machine"] else f"on an otherwise idle {run['cores']}-core machine")
        times = (f"The whole run (corpus, training, export, check, evaluation) took **{run['wall_seconds'] / 60:.0f} min"
                 f" wall-clock and {run['cpu_seconds'] / 60:.0f} CPU-minutes**, {shared}; training alone"
                 f" {minutes:.0f} min wall-clock, {t['train_cpu_seconds'] / 60:.0f} CPU-minutes.")
    else:
        times = f"Training took {minutes:.0f} min of wall-clock time ({total})."
    stop = (f"It stopped at its time budget after {t['steps']} of {t['hyperparameters']['planned_steps']} planned steps"
            " (the learning-rate schedule decays with elapsed time too, so it ended fully decayed)."
            if t.get("stopped_by") == "time budget" else f"It ran all {t['steps']} planned steps.")
    curve = "\n".join(f"| {e['step']} | {e['mlm_text']:.2f} | {_pct(e['heldout_mlm_acc'])} | {e['aux']:.3f} |"
                       for e in t.get("log", []) if "heldout_mlm_acc" in e)
    if mlm["model"] < 2 * mlm["most_frequent_token"]:
        mlm_limit = (f"- A toy whose language modelling barely started: masked-token accuracy on held-out text is\n"
                     f"  {_pct(mlm['model'])}, just above always guessing the most frequent token ({_pct(mlm['most_frequent_token'])}). In the CPU time\n"
                     f"  this shared machine gave ({t['steps']} steps) the masked-LM did not get past predicting frequent\n"
                     "  words (the training curve above stays flat), so its other heads show little more than\n"
                     "  position and frequency patterns; the supervised head is the one to look at.")
    else:
        mlm_limit = (f"- A toy: tiny, trained for minutes on a small corpus. Its masked-token accuracy on held-out text is\n"
                     f"  {_pct(mlm['model'])} (always guessing the most frequent token: {_pct(mlm['most_frequent_token'])}); its other heads are\n"
                     "  not meant to be read as what a large language model learns; the supervised head is the one to look at.")
    trained_len = t["hyperparameters"].get("max_text_len", 128)
    positions = (f"- Positions beyond {trained_len - 1} were never trained (the config allows {cfg.max_position_embeddings}); longer\n"
                 "  inputs get untrained position embeddings." if trained_len < cfg.max_position_embeddings else
                 f"- At most {cfg.max_position_embeddings} tokens per input (including [CLS] and [SEP]).")
    seeds = r.get("seeds")
    seed_text = ""
    if seeds:
        rows_s = "\n".join(f"| {s['seed']} | {s['steps']} | {_pct(s['supervised_head_accuracy'])} | "
                            f"{_pct(s['masked_token_accuracy'])} | {s['default_sentence_resolves_to']} |" for s in seeds["runs"])
        seed_text = f"""
### Seed robustness (shorter runs, not the shipped model)
{seeds['note']}

| seed | steps | supervised head, test | masked-token accuracy | "he" in the default sentence → |
|---|---|---|---|---|
{rows_s}
"""
    ub = r["best_unsupervised_head"]
    text = f"""# attnscope default model — model card

**A small demonstration model trained by the project, not BERT.** It exists so that the demo shows
learned attention out of the box, on a machine where no pretrained weights can be downloaded. It is
a toy: about {sum_params(cfg) / 1e6:.1f} M parameters, trained for {minutes:.0f} minutes on a 2-core CPU.

**One head is supervised.** Layer {sup['layer']}, head {sup['head']} (0-based) was trained with an auxiliary
loss on its attention (LISA-style, Strubell et al. 2018): at the pronoun of each generated two-person
sentence, its attention row was pulled towards a target with {int(100 * t['hyperparameters']['antecedent_target'])} % on the antecedent
name and the rest spread evenly over the sentence. Its pronoun → antecedent attention is therefore
taught directly, not discovered. The best head, selected on a dev split, is layer {best['layer']}, head {best['head']}
({'the supervised head' if best['supervised'] else 'not the supervised head'}).

## Architecture
Post-LN BERT encoder (Hugging Face `BertForMaskedLM` layout, `model_type: "bert"`): {cfg.num_hidden_layers} layers,
{cfg.num_attention_heads} heads, hidden size {cfg.hidden_size}, FFN {cfg.intermediate_size}, exact (erf) GELU, learned positions
(max {cfg.max_position_embeddings}), {cfg.type_vocab_size} token types, LayerNorm eps {cfg.layer_norm_eps}. Word-level
WordPiece vocabulary of {cfg.vocab_size} entries built from the corpus (lower-cased; whole words, single
characters, `##` characters and common `##` suffixes), read with BertTokenizer semantics.
Weights stored in F16 (`model.safetensors`); the MLM head (`cls.predictions.*`, decoder tied to the
word embeddings) is included.

## Data
- Real English from Debian packages: WordNet 3.0 glosses and usage examples (`wordnet-base`,
  {src['wordnet']['texts']} texts, {src['wordnet']['words']} words) and the fortune databases (`fortunes`, `fortunes-min`,
  {src['fortunes']['texts']} texts, {src['fortunes']['words']} words). {t['corpus']['heldout_texts']} texts (2 %) are held out for
  evaluation; {t['corpus']['train_tokens']} training tokens.
- Generated two-person sentences with one pronoun (`scripts/train/pronouns.py`): 30 male and 30 female
  first names; the gender-resolved case ("Mark told Anna that she …", antecedent either name) and the
  same-gender case, resolved to the subject by convention ("Mark told Sam that he was leaving.").
  Half carry a continuation naming the antecedent again (", so Mark packed."), masked for the MLM.
  Frames, reporting and action verbs, predicates, nouns and prefixes are split into train / dev / test:
  dev and test sentences use frames and verbs never seen in training.

## Objective and training
Per step: masked-LM (15 %, BERT's 80/10/10) on {t['hyperparameters']['text_batch']} real-text sequences (runs of consecutive
corpus texts filling {t['hyperparameters']['max_text_len']} positions, 10 % of them shorter, 30 % as sentence pairs with token
type 1) and {t['hyperparameters']['pronoun_batch']} generated sentences, plus the auxiliary attention loss (weight
{t['hyperparameters']['aux_weight']}) on the supervised head. AdamW (weight decay 0.01), peak lr {t['hyperparameters']['lr']}, {t['hyperparameters']['warmup_steps']} warm-up steps
then linear decay, dropout {t['hyperparameters']['dropout']}, seed {t['hyperparameters']['seed']}, {t['threads']} torch thread(s), Debian's python3-torch
with OpenBLAS, under `nice`. {stop}
{times}

Training curve (text MLM loss of the step's batch; masked-token accuracy on the first 400 held-out
texts; auxiliary loss):

| step | text MLM loss | held-out masked-token accuracy | aux loss |
|---|---|---|---|
{curve}

Command (rebuilds the corpus, trains, exports and evaluates; rewrites this folder):

    scripts/train/run

## Evaluation (`scripts/train/evaluate.py`, on the exported files)
Pronoun resolution: {co['sentences']} test sentences (frames, verbs, predicates and prefixes never seen in
training; both genders, both cases, balanced). A head is right when its attention from the pronoun
gives the antecedent more weight than the other name.

Best head (layer {best['layer']}, head {best['head']}): **{_pct(co['best_head_accuracy'])}**. Baselines: always the subject
{_pct(co['baselines']['always_subject'])}; best head of the same network at random initialisation (chosen on the test
set itself, so optimistic) {_pct(co['baselines']['random_init_best_head_on_test'])}.

| case / gender | accuracy | n |
|---|---|---|
{rows}

All heads, trained model (test):

| layer | {head_cols} |
{sep}
{heads}

All heads, random initialisation (test):

| layer | {head_cols} |
{sep}
{rand_heads}

Best head without supervision (selected on dev, supervised head excluded): layer {ub['layer']}, head {ub['head']},
{_pct(ub['test_accuracy'])} on the test sentences (same-gender {_pct(ub['breakdown']['same_gender']['accuracy'])}, gender-resolved
{_pct(ub['breakdown']['gender']['accuracy'])}) — compare with "always the subject" above: what the model learned
on its own is close to that heuristic, not to reference resolution.

Default sentence "{d['sentence']}": on the best head, "he" gives mark {d['attention']['mark']:.3f} and sam
{d['attention']['sam']:.3f} → **{d['resolves_to']}**.

Masked-token accuracy on {mlm['masked_tokens']} masked tokens of held-out corpus text: **{_pct(mlm['model'])}**
(random initialisation {_pct(mlm['random_init'])}, always the most frequent token {_pct(mlm['most_frequent_token'])}).
{seed_text}{_atlas_section(r, cfg)}
## Limits
{mlm_limit}
- The coreference head is supervised, and only on one narrow sentence pattern (two first names, one
  pronoun after both). "Same gender → subject" is a convention taught by the data, not a fact of
  English; the model knows the gender of only its 60 names.
- Numbers are from one training run (seed {t['hyperparameters']['seed']}){'; the seed table above has shorter runs' if seeds else '; other seeds were not measured'}.
{positions}
"""
    with open(path, "w") as f:
        f.write(text)


_LABELS = {"previous_token": "previous token", "next_token": "next token", "self": "self",
           "first_token": "first token ([CLS])", "special": "special ([SEP])", "induction": "induction", "broad": "broad"}


def _atlas_section(r, cfg):
    """What each head does (scripts/train/atlas.py's head atlas), when eval.json has it."""
    a = r.get("atlas")
    if not a:
        return ""
    p, heads, sup = a["patterns"], cfg.num_attention_heads, r["supervised_head"]
    num = lambda v, f="{:.2f}": "n/a" if v is None else f.format(v)  # noqa: E731
    rows = []
    for i, label in enumerate(a["dominant"]):
        layer, head = divmod(i, heads)
        name = _LABELS.get(label, "—")
        if (layer, head) == (sup["layer"], sup["head"]):
            name += "; **supervised** (coreference, taught by an auxiliary attention loss)"
        rows.append(f"| {layer} | {head} | {name} | " + " | ".join(
            num(p[k][i]) for k in ("previous_token", "next_token", "self", "first_token", "special", "broad", "induction"))
            + f" | {num(p['copying'][i], '{:+.3f}')} |")
    best = lambda k: max(range(len(p[k])), key=lambda i: p[k][i])  # noqa: E731
    ind, cop = best("induction"), best("copying")
    labelled = [f"layer {i // heads} head {i % heads} ({_LABELS[x]})" for i, x in enumerate(a["dominant"]) if x]
    induction = ("no head reaches the induction threshold of 0.5, so the model has no induction head"
                 if p["induction"][ind] < 0.5 else f"layer {ind // heads} head {ind % heads} is an induction head")
    probe = a["probe"]
    return f"""
## What each head does (head atlas)
Every head's attention scored by the head atlas's definitions (docs/api.md#head-atlas; `model.headAtlas`
computes the same in the page): mean weights on the previous / next token, on itself, on the first
token ([CLS]) and on [SEP], the normalised entropy ("broad", 1 = uniform) on the default sentence
"{a['input']}"; induction on a probe of {probe['length']} random tokens repeated twice ([CLS] … [SEP],
seed {probe['seed']}), and copying: how much the masked-LM loss on the second copy's odd tokens (replaced
by [MASK]) rises, in nats, when the head's attention weights are multiplied by 0 (unablated loss
{probe['loss']:.2f}). The label is the dominant pattern (≥ 0.5), else broad (≥ 0.75), else —.

| layer | head | label | previous | next | self | first | special | broad | induction | copying |
|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

{len(labelled)} of {len(a['dominant'])} heads have a label ({", ".join(labelled) or "none"}); the others spread
their attention without one pattern taking half of it. The strongest induction score is
{p['induction'][ind]:.2f} (layer {ind // heads}, head {ind % heads}): {induction}. The largest copying score is
{p['copying'][cop]:+.3f} nats (layer {cop // heads}, head {cop % heads}). The supervised head's pattern concerns one
row (the pronoun's), so the atlas's averages over every row see a broad head there; the head view of
the pronoun shows what it was taught.
"""


def sum_params(cfg):
    d, f, v = cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size
    layer = 4 * (d * d + d) + 2 * d * f + f + d + 4 * d
    emb = (v + cfg.max_position_embeddings + cfg.type_vocab_size) * d + 2 * d
    return emb + cfg.num_hidden_layers * layer + d * d + d + 2 * d + v
