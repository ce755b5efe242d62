"""The intent classifier: clear examples per intent, out-of-scope rules, speed and training errors."""

from __future__ import annotations

import time

import pytest

from bot.nlu import IntentClassifier, NotTrainedError, TrainingConfig, TrainingExample, default_training_set
from storage.domain import Intent

CLEAR_EXAMPLES: list[tuple[str, Intent]] = [
    ("where is my order #1001", Intent.ORDER_STATUS),
    ("when will order 1003 arrive", Intent.ORDER_STATUS),
    ("has DS-1042 shipped yet", Intent.ORDER_STATUS),
    ("my package says delivered but it is not here", Intent.DELIVERY_PROBLEM),
    ("the kettle arrived damaged", Intent.DELIVERY_PROBLEM),
    ("you sent me the wrong size", Intent.DELIVERY_PROBLEM),
    ("I want to return the blender", Intent.RETURN_REQUEST),
    ("can I exchange the jacket for a large", Intent.RETURN_REQUEST),
    ("where is my refund", Intent.REFUND_STATUS),
    ("what is your return policy", Intent.RETURN_POLICY),
    ("how many days do I have to return something", Intent.RETURN_POLICY),
    ("please cancel my order", Intent.CANCEL_ORDER),
    ("I need to change my shipping address", Intent.CHANGE_ORDER),
    ("my expresso machine wont heat", Intent.SETUP_HELP),
    ("how do I install the thermostat", Intent.SETUP_HELP),
    ("the router won't connect", Intent.SETUP_HELP),
    ("I want to talk to a real person", Intent.HUMAN_AGENT),
    ("agent", Intent.HUMAN_AGENT),
    ("stop sending me messages", Intent.NOTIFICATION_PREFERENCES),
    ("unsubscribe", Intent.NOTIFICATION_PREFERENCES),
    ("send updates on telegram", Intent.NOTIFICATION_PREFERENCES),
    ("hello", Intent.GREETING),
    ("good morning", Intent.GREETING),
    ("thanks, that's all", Intent.GOODBYE),
    ("bye", Intent.GOODBYE),
]

UNRELATED = [
    "what's the weather in paris tomorrow",
    "tell me a joke",
    "how much is bitcoin worth",
    "who won the game last night",
    "what is the square root of 81",
    "asdfgh",
    "give me a recipe for pancakes",
    "can I apply for a job as a developer",
    "what is the capital of peru",
    "how do I open a bank account",
]


@pytest.mark.parametrize(("text", "intent"), CLEAR_EXAMPLES)
def test_clear_examples(classifier: IntentClassifier, text: str, intent: Intent) -> None:
    predicted, confidence = classifier.predict(text)
    assert predicted is intent
    assert confidence >= classifier.threshold


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_text_is_out_of_scope(classifier: IntentClassifier, text: str) -> None:
    assert classifier.predict(text)[0] is Intent.OUT_OF_SCOPE


@pytest.mark.parametrize("text", ["", "   ", "?!", "..."])
def test_empty_text_is_out_of_scope_with_full_confidence(classifier: IntentClassifier, text: str) -> None:
    assert classifier.predict(text) == (Intent.OUT_OF_SCOPE, 1.0)


def test_probabilities_cover_every_intent_and_sum_to_one(classifier: IntentClassifier) -> None:
    probabilities = classifier.probabilities("where is my order")
    assert set(probabilities) == set(Intent)
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert max(probabilities, key=probabilities.__getitem__) is Intent.ORDER_STATUS


def test_threshold_turns_unsure_predictions_out_of_scope() -> None:
    examples = [
        TrainingExample("where is my parcel", Intent.ORDER_STATUS),
        TrainingExample("track my parcel", Intent.ORDER_STATUS),
        TrainingExample("cancel my parcel", Intent.CANCEL_ORDER),
        TrainingExample("cancel my order", Intent.CANCEL_ORDER),
        TrainingExample("what is the weather", Intent.OUT_OF_SCOPE),
        TrainingExample("tell me a joke", Intent.OUT_OF_SCOPE),
    ]
    classifier = IntentClassifier.train(examples, TrainingConfig(epochs=10, threshold=0.0))
    text = "my parcel"  # as much about tracking as about cancelling
    probabilities = classifier.probabilities(text)
    best_intent = max(probabilities, key=probabilities.__getitem__)
    best = probabilities[best_intent]
    assert best_intent in (Intent.ORDER_STATUS, Intent.CANCEL_ORDER)
    assert best < 0.9
    assert classifier.predict(text) == (best_intent, best)
    classifier.threshold = best + 0.01
    intent, confidence = classifier.predict(text)
    assert intent is Intent.OUT_OF_SCOPE
    assert confidence == pytest.approx(1.0 - best)


def test_a_message_torn_between_intents_of_one_family_is_in_that_family() -> None:
    examples = [
        TrainingExample("return the kettle", Intent.RETURN_REQUEST),
        TrainingExample("send the kettle back", Intent.RETURN_REQUEST),
        TrainingExample("refund for the kettle", Intent.REFUND_STATUS),
        TrainingExample("where is my refund", Intent.REFUND_STATUS),
        TrainingExample("set up the kettle", Intent.SETUP_HELP),
        TrainingExample("install the kettle", Intent.SETUP_HELP),
        TrainingExample("what is the weather", Intent.OUT_OF_SCOPE),
        TrainingExample("tell me a joke", Intent.OUT_OF_SCOPE),
    ]
    classifier = IntentClassifier.train(examples, TrainingConfig(epochs=10))
    text = "return refund"
    probabilities = classifier.probabilities(text)
    returns = probabilities[Intent.RETURN_REQUEST] + probabilities[Intent.REFUND_STATUS]
    best_intent = max(probabilities, key=probabilities.__getitem__)
    assert best_intent in (Intent.RETURN_REQUEST, Intent.REFUND_STATUS)
    # neither intent alone reaches the threshold; together, the returns family does
    classifier.threshold = probabilities[best_intent] + 0.01
    assert returns > classifier.threshold
    assert classifier.predict(text) == (best_intent, pytest.approx(returns))
    classifier.threshold = returns + 0.01
    assert classifier.predict(text)[0] is Intent.OUT_OF_SCOPE


def test_text_without_in_domain_words_is_out_of_scope(classifier: IntentClassifier) -> None:
    assert classifier.predict("how does a volcano work")[0] is Intent.OUT_OF_SCOPE
    assert classifier.predict("how does the kettle work")[0] is Intent.SETUP_HELP


def test_function_words_are_no_evidence_of_the_domain() -> None:
    # "with" is in every shop example here and in no out-of-scope one, yet it says nothing about what
    # a message is about: only "parcel" and "problem" count
    examples = [
        TrainingExample("a problem with my parcel", Intent.DELIVERY_PROBLEM),
        TrainingExample("something is wrong with the parcel", Intent.DELIVERY_PROBLEM),
        TrainingExample("problem with delivery", Intent.DELIVERY_PROBLEM),
        TrainingExample("what is the weather", Intent.OUT_OF_SCOPE),
        TrainingExample("tell me a joke", Intent.OUT_OF_SCOPE),
        TrainingExample("play some music", Intent.OUT_OF_SCOPE),
    ]
    classifier = IntentClassifier.train(examples, TrainingConfig(epochs=10, threshold=0.0, concepts=False))
    assert classifier.predict("trouble with my parcel")[0] is Intent.DELIVERY_PROBLEM
    assert classifier.predict("birds fly with wings")[0] is Intent.OUT_OF_SCOPE


def test_small_talk_needs_a_word_of_its_own(classifier: IntentClassifier) -> None:
    assert classifier.predict("why are there clouds")[0] is Intent.OUT_OF_SCOPE
    assert classifier.predict("are you a robot")[0] is Intent.OUT_OF_SCOPE
    assert classifier.predict("hiya, how are you")[0] is Intent.GREETING
    assert classifier.predict("ok cheers, that's everything")[0] is Intent.GOODBYE


def test_typos_are_understood(classifier: IntentClassifier) -> None:
    assert classifier.predict("wher is my pakage")[0] is Intent.ORDER_STATUS
    assert classifier.predict("i want to retrun the shoes")[0] is Intent.RETURN_REQUEST
    assert classifier.predict("cancle my order pls")[0] is Intent.CANCEL_ORDER
    assert classifier.predict("heyyyy")[0] is Intent.GREETING


def test_training_is_deterministic() -> None:
    examples = [e for e in default_training_set() if len(e.text) % 4 == 0]  # a quarter: same code paths
    first = IntentClassifier.train(examples)
    second = IntentClassifier.train(list(examples))
    assert first.weights == second.weights
    for text, _ in CLEAR_EXAMPLES[:5]:
        assert first.probabilities(text) == second.probabilities(text)


def test_classify_is_fast(classifier: IntentClassifier) -> None:
    texts = [text for text, _ in CLEAR_EXAMPLES] + UNRELATED
    for text in texts:
        classifier.predict(text)  # warm the spelling cache as in a running bot
    rounds = 20
    start = time.process_time()
    for _ in range(rounds):
        for text in texts:
            classifier.predict(text)
    mean_ms = (time.process_time() - start) * 1000 / (rounds * len(texts))
    print(f"\nclassify: {mean_ms:.4f} ms of CPU per message")
    assert mean_ms < 0.3


def test_train_on_nothing_fails() -> None:
    with pytest.raises(NotTrainedError):
        IntentClassifier.train([])


def test_small_custom_training_set() -> None:
    examples = [
        TrainingExample("where is my parcel", Intent.ORDER_STATUS),
        TrainingExample("where is my package", Intent.ORDER_STATUS),
        TrainingExample("track my parcel", Intent.ORDER_STATUS),
        TrainingExample("cancel my order", Intent.CANCEL_ORDER),
        TrainingExample("cancel it please", Intent.CANCEL_ORDER),
        TrainingExample("please cancel", Intent.CANCEL_ORDER),
        TrainingExample("what is the weather", Intent.OUT_OF_SCOPE),
        TrainingExample("tell me a joke", Intent.OUT_OF_SCOPE),
        TrainingExample("play some music", Intent.OUT_OF_SCOPE),
    ]
    classifier = IntentClassifier.train(examples, TrainingConfig(epochs=10, threshold=0.0))
    assert set(classifier.classes) == {Intent.ORDER_STATUS, Intent.CANCEL_ORDER, Intent.OUT_OF_SCOPE}
    assert classifier.predict("where is my parcel now")[0] is Intent.ORDER_STATUS
    assert classifier.predict("cancel my order please")[0] is Intent.CANCEL_ORDER
    assert classifier.predict("tell me the weather")[0] is Intent.OUT_OF_SCOPE
