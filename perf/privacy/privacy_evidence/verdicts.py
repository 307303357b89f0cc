"""The verdicts the tests pin, with their thresholds (justified in docs/privacy-evidence.md):

- an image counts as reconstructed when its reconstruction has PSNR >= 20 dB (RMS pixel error <= 0.1 of the
  range, about 1.6 of the digits' 16 grey levels) AND its nearest neighbour among all 1797 digits is the
  original (the attacker could point at the patient);
- ciphertext uniformity: every test p-value above 0.001 / (number of tests) (Bonferroni: a correct product fails the
  CI about once in 1000 runs, like the membership band; at 0.01 it failed one run in a hundred), zlib saves < 1 %;
- membership chance band: the 99.9th percentile of TPR at FPR 1 % of an attacker whose scores are independent
  of membership, for the same numbers of members and non-members (simulated, `membership.chance_band`): the DP
  model must stay at or below it, plaintext FedAvg must exceed it (a 0.1 % level test either way, so a model
  at chance fails the CI about once in 1000 runs per attack).
"""
RECONSTRUCTED_PSNR_DB = 20.0
PINNED_MAX_EPSILON = 64.5  # the verdict covers released rounds with epsilon <= 64 (issue 18's largest); above: reported
FAMILY_ALPHA = 0.001
MAX_COMPRESSION_SAVING = 0.01


def reconstructed(pair):
    return pair["psnr"] >= RECONSTRUCTED_PSNR_DB and pair["identified"]


def _best(entries):
    return max((p["psnr"] for e in entries for p in e["pairs"]), default=float("nan"))


def _hits(entries):
    return sum(reconstructed(p) for e in entries for p in e["pairs"])


def _images(entries):
    return sum(len(e["pairs"]) for e in entries)


def evaluate(results):
    out = {}
    raw = [e for e in results["raw"] if e["batch"] == 1 and e["method"] == "dlg"]
    out["raw_batch1_update_is_reconstructed"] = {
        "holds": bool(raw) and _hits(raw) == _images(raw),
        "detail": f"DLG on one hospital's raw batch-1 update: {_hits(raw)}/{_images(raw)} images reconstructed "
                  f"(PSNR >= {RECONSTRUCTED_PSNR_DB} dB and identified); worst PSNR "
                  f"{min((p['psnr'] for e in raw for p in e['pairs']), default=float('nan')):.1f} dB"}

    eps = results["epsilon_round"]
    dp = [e for e in results["aggregate"] if e["view"] == "product" and not e["label"].startswith("control")
          and eps[e["label"]] <= PINNED_MAX_EPSILON]
    out["dp_aggregate_is_not_reconstructed"] = {
        "holds": bool(dp) and _hits(dp) == 0,
        "detail": f"DLG and IG on the released DP aggregates with epsilon <= 64 per round "
                  f"({', '.join(sorted({e['label'] for e in dp}))}): "
                  f"{_hits(dp)}/{_images(dp)} images reconstructed; best PSNR {_best(dp):.1f} dB"}

    control = [e for e in results["aggregate"] if e["view"] == "product" and e["label"].startswith("control")]
    out["attack_reads_the_product_output"] = {
        "holds": bool(control) and _hits(control) > 0,
        "detail": f"control with z = {results['control_z']} (almost no noise): {_hits(control)}/{_images(control)} "
                  f"images reconstructed from the product's release; best PSNR {_best(control):.1f} dB"}

    view = results["aggregator_view"]
    tests = 2 * len(view["uploads"])
    alpha = FAMILY_ALPHA / max(tests, 1)
    worst = min((min(u["chi2_p"], u["monobit_p"]) for u in view["uploads"]), default=float("nan"))
    worst_ratio = min((u["compression_ratio"] for u in view["uploads"]), default=float("nan"))
    plain_p = max((p["chi2_p"] for p in view["plaintext_updates"]), default=float("nan"))
    found_update = sum(s["found"] for s in view["searches"] if s["what"] == "hospital update")
    found_model = [s["found"] for s in view["searches"] if s["what"] == "published model"]
    out["uploads_look_uniform_and_hide_the_update"] = {
        "holds": bool(view["uploads"]) and worst >= alpha and worst_ratio >= 1 - MAX_COMPRESSION_SAVING
        and plain_p < 1e-6 and found_update == 0 and bool(found_model) and min(found_model) > 0,
        "detail": f"{len(view['uploads'])} uploads: smallest p-value {worst:.3g} (threshold {alpha:.2g}), smallest "
                  f"zlib ratio {worst_ratio:.4f}; the plaintext updates fail (largest p {plain_p:.2g}); update bytes "
                  f"found in the aggregator's files: {found_update} windows; published-model windows found (control): "
                  f"{found_model}"}

    m = results["membership"]
    sec, pla = m["secure"], m["plaintext"]
    sec_q999 = sec["chance_tpr_at_1pct"]["q999"]
    out["membership_on_dp_model_is_at_chance"] = {
        "holds": all(a["tpr_at_1pct"] <= sec_q999 for a in sec["attacks"].values()),
        "detail": "TPR at FPR 1 % on the product's DP model: "
                  + ", ".join(f"{k} {a['tpr_at_1pct']:.3f}" for k, a in sec["attacks"].items())
                  + f"; chance band (99.9th percentile) {sec_q999:.3f}"}
    pla_q999 = pla["chance_tpr_at_1pct"]["q999"]
    out["membership_on_plaintext_model_is_above_chance"] = {
        "holds": pla["attacks"]["LiRA"]["tpr_at_1pct"] > pla_q999,
        "detail": f"LiRA TPR at FPR 1 % on plaintext FedAvg: {pla['attacks']['LiRA']['tpr_at_1pct']:.3f}; "
                  f"chance 99.9th percentile {pla_q999:.3f}"}

    f = results["floating_point"]
    out["float_mechanism_has_distinguishable_supports"] = {
        "holds": f["hits1"] == 0 and f["p0_event"] >= 0.01,
        "detail": f"P[M(0) in S] = {f['p0_event']:.4f} ({f['hits0']} of {f['samples_per_input']}), "
                  f"P[M(1) in S] = {f['p1_event']:.4f} ({f['hits1']}); the accountant claims epsilon = "
                  f"{f['gaussian_epsilon_at_delta_1e-6']:.3f} at delta = 1e-6"}
    return out
