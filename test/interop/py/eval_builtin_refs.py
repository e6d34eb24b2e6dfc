"""Reference values for the SDK's deterministic scorers, from the Python libraries they follow.

Reads ``{"cases": [{"prediction", "reference"}]}`` on stdin; prints for each case ROUGE-L (rouge-score,
no stemming: precision, recall, F), sentence BLEU (sacrebleu ``sentence_bleu``, 0-100) and the
Levenshtein distance (nltk ``edit_distance``, over code points) with its normalised form.
Regenerates test/eval/fixtures/builtin-refs.json:

    .venv/bin/python test/interop/py/eval_builtin_refs.py < cases.json
"""

import nltk
import sacrebleu
from _common import emit, read_input
from rouge_score import rouge_scorer


def main():
    inp = read_input()
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    out = []
    for case in inp["cases"]:
        pred, ref = case["prediction"], case["reference"]
        r = scorer.score(ref, pred)["rougeL"]
        dist = nltk.edit_distance(pred, ref)
        longest = max(len(pred), len(ref))
        out.append({
            "prediction": pred,
            "reference": ref,
            "rouge_l": {"precision": r.precision, "recall": r.recall, "fmeasure": r.fmeasure},
            "bleu": sacrebleu.sentence_bleu(pred, [ref]).score,
            "edit_distance": dist,
            "normalized_edit_distance": dist / longest if longest else 0.0,
        })
    emit({"sacrebleu": sacrebleu.__version__, "nltk": nltk.__version__, "cases": out})


if __name__ == "__main__":
    main()
