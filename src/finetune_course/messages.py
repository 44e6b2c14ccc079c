"""The few sentences a notebook's code must write, one table per edition, keyed by name.

A code cell prints facts: numbers, names, short labelled results. The explanation lives in the notebook's
markdown. Where a sentence has to follow a value the run measured (a verdict, a note on this run's model),
the cell says it through `say(key, settings.edition, **values)`, so that the Chinese edition prints Chinese
from the same code. Both tables hold the same keys and the same `{placeholders}` (tests/test_messages.py).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- the banner, where `auto` fell back to `offline` (params.Settings.banner): how to reach the Hub ---
    "fallback_no_mirror": "Hub unreachable? export HF_ENDPOINT={mirror}, then rerun (restart `make lab`).",
    "fallback_mirror_unreachable": "check the mirror in HF_ENDPOINT, or set another; "
                                   "then rerun (restart `make lab`).",
    "fallback_hub_offline": "HF_HUB_OFFLINE is set: unset it to use the Hub.",
    # --- before any notebook (course.preflight) and `make train`: the data's script against the tokenizer ---
    "script_mismatch": "warning: {model}'s tokenizer does not know these texts' script. | sampled texts: {n} "
                       "| with an unknown token: {texts_unknown:.0%} | unknown or byte-piece tokens: "
                       "{tokens_unreadable:.0%} | Choose a model whose tokenizer knows the script.",
    # --- any step: an earlier step's result made first (artifacts.require) ---
    "earlier_step_missing": "'{name}' is not in {folder} yet. Running {notebook} first to make it; "
                            "this notebook then goes on.",
    "earlier_step_outdated": "'{name}' was made with other parameters ({changes}). Running {notebook} first "
                             "to make it again; this notebook then goes on.",
    # --- step 01 ---
    # the smoke profile's model, said under step 1's imports (the bonus has its own note)
    "tiny_model_not_pretrained_step1": "This run's model, the `smoke` profile's tiny GPT-2, was never "
                                       "pretrained: its weights are random. Where this notebook says "
                                       "*pretrained*, read *random*. Its zero-shot score (section 1.3) "
                                       "shows only that the mechanism runs; `offline` (MiniLM) and `full` "
                                       "(GPT-2) measure a pretrained model.",
    # where the data comes from: data.dataset_source's note, printed by steps 1-3
    "data_synthetic": "{name}: SYNTHETIC tweets, {rate:.0%} of labels flipped on purpose",
    "data_hub": "{name}: from {server}, kept in the local cache",
    "data_hub_cache": "{name}: from the local Hugging Face cache, no Hub in this run",
    "data_file": "{name}: your file; a stratified {share:.0%} becomes the test split",
    "data_folder": "{name}: your folder, its train and test files",
    # --- step 02 ---
    # the padding-token note, chosen by the tokenizer's facts
    "model_pad_shipped": ("**{model}** ({model_type}, context {context:,} tokens) ships a padding token, "
                          "{pad}. Steps 4 and 5 have nothing to fix."),
    "model_pad_missing": ("**{model}** ({model_type}, context {context:,} tokens) has **no padding token**. "
                          "Step 4 sets one; step 5 tells the model its id."),
    # --- step 03 ---
    # what this run's data is (data.about_the_data): the course's own tweets, the guide's, or other data
    "data_about_course": ("**The course's own tweets: synthetic.** Its generator (`tools/make_tweets.py`) "
                          "builds each tweet from hand-written templates of several *kinds* (plain, "
                          "negation, sarcasm, mixed feelings, mild feelings without keywords, neutral "
                          "texts full of sentiment words, borderline), roughens it as real tweets are "
                          "rough (mentions, links, emoji, typos, stray spaces), and flips {rate:.0%} of "
                          "the labels on purpose, to imitate annotators' mistakes. It also keeps an "
                          "**answer key**: each tweet's kind and whether its label was flipped, printed "
                          "below. Real data never comes with one; after training, the course uses it to "
                          "show which kinds the model gets wrong and to find the flipped labels. Train and "
                          "test come from the same templates, so an accuracy on these tweets tells how well "
                          "the mechanics work, never how a model would do on real tweets."),
    "data_about_guide": ("**The guide's data: real tweets.** `mteb/tweet_sentiment_extraction` holds "
                         "tweets from Kaggle's *Tweet Sentiment Extraction* competition, each labelled "
                         "negative, neutral or positive by human annotators. On borderline tweets "
                         "annotators disagree, so some labels are debatable, and nothing in the data says "
                         "which."),
    "data_about_other": ("**Data of your choosing.** Only its maker can say who labelled it, and by what "
                         "rule; the labels are all there is to go by. Nothing in the data says which of "
                         "them are wrong: after training, the course lists the training texts the model "
                         "finds hardest to fit, the first place to look."),
    # --- step 04 ---
    # how this run's tokenizer marks spaces and word pieces, chosen by models.model_facts
    "tokenizer_bpe": ("**{model}** uses byte-level BPE, like GPT-2. `Ġ` marks a token that begins with a "
                      "space. `Ġgood` and `good` are two different tokens. Case is kept. It never "
                      "produces an unknown token: any character can be written in bytes."),
    "tokenizer_wordpiece": ("**{model}** uses WordPiece, like BERT. `##` marks a piece that continues the "
                            "word before it. `[CLS] … [SEP]` wrap every text; the classifier reads `[CLS]` "
                            "(step 5). A character missing from its vocabulary becomes `[UNK]`, so two "
                            "different emoji can be the same token to it; 4.1 counts the training tweets "
                            "that hold one."),
    "tokenizer_wordpiece_lowercase": ("**{model}** uses WordPiece, like BERT. It lower-cases the text first. "
                                      "`##` marks a piece that continues the word before it. `[CLS] … [SEP]` "
                                      "wrap every text; the classifier reads `[CLS]` (step 5). A "
                                      "character missing from its vocabulary becomes `[UNK]`, so two "
                                      "different emoji can be the same token to it; 4.1 counts the "
                                      "training tweets that hold one."),
    "tokenizer_other": "**{model}** uses {kind}. The tokens above show how it marks spaces and pieces.",
    # what this run's tokenizer does with the quirks of exported text, chosen by models.model_facts
    "quirks_bpe": ("**{model}** uses byte-level BPE: it has single tokens for English endings after a "
                   "straight apostrophe, such as `'m` and `'t`. Any other apostrophe cuts the word apart, "
                   "and a rarer character such as `’` becomes byte pieces that look garbled. A word at the "
                   "very start of a text has no space before it, so it needs the tokens without `Ġ`: the "
                   "vocabulary holds fewer of those, and a common word may split there."),
    "quirks_wordpiece": ("**{model}** uses WordPiece: it cuts every punctuation mark off as a token of its "
                         "own. So `I'm`, ``I`m`` and `I’m` all become three tokens, and only the middle one, "
                         "the mark, differs. An HTML entity such as `&amp;` becomes `&`, `amp` and `;`, "
                         "two tokens more than the `&` it stands for, and a masked word becomes one token "
                         "per star."),
    "quirks_other": "**{model}** uses {kind}. The table shows what it does with each quirk.",
    # --- step 05 ---
    # The note on which hidden state this run's model's head reads (models.model_facts(...).pooling).
    "pooling_last_token": "**{model}** is a decoder (a causal language model). Its head reads the last token "
                          "that is not padding (the rightmost position whose id is not the pad id). "
                          "Finding that token needs the pad id, so the guide's bug below applies to it.",
    "pooling_cls_pooler": "**{model}** is an encoder. Its head reads the first token, [CLS], "
                          "after the pooler (a dense layer with tanh). "
                          "It does not search for the last token, so the guide's bug below "
                          "cannot happen to it; the demonstration uses a small GPT-2 instead.",
    "pooling_first_token": "**{model}** is an encoder. Its head reads the first token's hidden state. "
                           "It does not search for the last token, so the guide's bug below cannot happen "
                           "to it; the demonstration uses a small GPT-2 instead.",
    # --- step 06 ---
    # --- step 07a ---
    # What the validation curves show: metrics.learning_curve_verdict's keys and values (step 7, part 1).
    "curves_one_epoch": "**One epoch only.** A curve needs two points: nothing to read yet.",
    "curves_still_learning": "**Still learning.** Validation loss was lowest after the last epoch, {last}, "
                             "and that epoch changed it by {rise:+.1f}%, beyond its noise "
                             "(±{loss_noise:.1f}%). The model was still improving on tweets it never trained "
                             "on; more epochs might help, and validation would tell.",
    "curves_levelling_off": "**Levelling off.** Validation loss was lowest after the last epoch, {last}, but "
                            "that epoch changed it by only {rise:+.1f}%, within its noise "
                            "(±{loss_noise:.1f}%). The curve may be flattening: more epochs may add little, "
                            "and validation would tell.",
    "curves_over_confident": "**Over-confidence: the first sign of over-fitting.** Validation loss was "
                             "lowest after epoch {epoch}, then rose by {rise:.1f}%, beyond its noise "
                             "(±{loss_noise:.1f}%), while validation accuracy held ({change:+.1f} points; "
                             "its noise on {n} tweets is ±{noise:.1f}). The model grew surer of its answers: "
                             "the wrong ones, given with more confidence, cost much more loss. "
                             "Over-fitting shows in the loss before the accuracy; with more epochs the "
                             "accuracy may follow.",
    "curves_over_fitting": "**Over-fitting.** Validation loss was lowest after epoch {epoch}; then it rose, "
                           "and validation accuracy changed by {change:+.1f} points, a fall beyond its noise "
                           "(±{noise:.1f} on {n} tweets). The model fits its training tweets at the expense "
                           "of new ones.",
    "curves_within_noise": "**Within noise.** Validation loss was lowest after epoch {epoch}; by the "
                           "last epoch it rose by {rise:.1f}%, within its noise (±{loss_noise:.1f}%), and "
                           "validation accuracy changed by {change:+.1f} points (its noise on {n} tweets: "
                           "±{noise:.1f}). Nothing here shows over-fitting; more validation tweets would "
                           "tell.",
    # --- step 07b ---
    # 7.11: whether this run's data records more than a label per tweet (data.hidden_facts).
    "errors_by_kind": "The course's tweets come with an answer key (step 3): the *kind* of template each was "
                      "written from, and whether its label was flipped on purpose. The table splits the test "
                      "accuracy by kind, with 95% intervals: kinds with few tweets cannot be ranked. The "
                      "test tweets, and the flipped ones alone, are also scored against the class their "
                      "text was written for. Wrong labels cap the measured accuracy: a model right about "
                      "every text is still counted wrong on each flipped one. In 7.12 and 7.13 the same key "
                      "counts the flipped labels among the mistakes and the high-loss tweets.",
    "errors_no_kinds": "This data records a text and a label per tweet, nothing more: there is nothing to "
                       "split the accuracy by, and no record of which labels are wrong. The per-class scores "
                       "above, and the mistakes and high-loss tweets below, are what you read yourself.",
    # metrics.verdict's keys: a score's 95% interval against chance and always guessing the majority label
    # (step 1 prints the key for its zero-shot score beside its sentence; its markdown explains each key).
    "worse_than_chance": "worse than chance",
    "no_better_than_chance": "no better than chance: the interval includes it",
    "worse_than_majority": "better than chance, but worse than always guessing '{majority}'",
    "no_better_than_majority": "better than chance, "
                               "but not measurably better than always guessing '{majority}'",
    "better_than_majority": "better than always guessing '{majority}'",
    # --- step 07b and the bonus: the seeds table (finetune_course.seeds.show), where none fits this run ---
    "seeds_missing": "**Not measured yet** with these settings on this data. Run `make seeds "
                     "PROFILE={profile}` to measure it (with `PARAMS=` your parameters file, if you use "
                     "one), then run this cell again. The README's section *Across seeds* shows such a "
                     "table from one machine, on the `offline` profile: another run, not this one.",
    # --- bonus ---
    "tiny_model_not_pretrained": "This run's model, the `smoke` profile's tiny GPT-2, was never pretrained: "
                                 "where this notebook says *pretrained*, read *random*, frozen as loaded. "
                                 "Expect the cheaper methods to learn little here (B.7 says why); "
                                 "the `offline` profile shows them on a pretrained model.",
    # some method trained while other programs took more than measure.BUSY of the CPU time (`other programs`)
    "timings_disturbed": "**Timings disturbed.** While some methods trained ({methods}), other programs took "
                         "more than {limit:.0%} of this machine's CPU time (`other programs` above). Those "
                         "times are longer than the training needs, each by a different amount, so they do "
                         "not compare, and neither do their shares of every weight's time. Compare the "
                         "accuracies; to compare the times, run this notebook again on a quiet machine.",
    # A cheaper method's accuracy against the reference's, from the paired 95% interval of the difference:
    # clearly (the whole interval on one side of 0, its gap to 0 more than half its width), close to 0 but
    # excluding it, or including 0;
    # or a method that predicts one label for every test tweet. {points}: the difference, in points.
    "method_clearly_below_reference": "clearly below {reference} ({points:+.1f} points)",
    "method_below_reference": "below {reference} ({points:+.1f} points; the interval excludes 0)",
    "method_like_reference": "not measurably different from {reference} ({points:+.1f} points)",
    "method_above_reference": "above {reference} ({points:+.1f} points; the interval excludes 0)",
    "method_clearly_above_reference": "clearly above {reference} ({points:+.1f} points)",
    "method_one_label": "predicts '{label}' for every tweet: learnt no task ({points:+.1f} points)",
    # --- any step's exercises (exercises.check): the verdict on the learner's answer, and why it is wrong ---
    "exercise_right": "Exercise {exercise}: right.",
    "exercise_wrong": "Exercise {exercise}: not yet{reason}. Hint: {hint}",
    "exercise_blank": "Exercise {exercise}: not tried yet. Write your answer above, then run this cell.",
    "exercise_reason": " ({reason})",
    "exercise_not_a_number": "{answer} is not a number",
    "exercise_percentage": "a share is between 0 and 1, not a percentage",
    "exercise_too_high": "too high",
    "exercise_too_low": "too low",
    "exercise_not_an_option": "{answer} is not one of: {options}",
    "exercise_not_a_function": "{answer} is not a function",
    "exercise_raised": "your function raised {error}",
    "exercise_case": "given {case}, it returned {got}",
    "exercise_returned_none": "it returned nothing for some inputs",
}

ZH: dict[str, str] = {
    # --- the banner, where `auto` fell back to `offline` ---
    "fallback_no_mirror": "连不上 Hub？先 export HF_ENDPOINT={mirror}，再重新运行"
                          "（如果用的是 make lab，要先停掉再重新启动）。",
    "fallback_mirror_unreachable": "HF_ENDPOINT 中的镜像连不上：检查它，或换一个镜像；"
                                   "然后重新运行（如果用的是 make lab，要先停掉再重新启动）。",
    "fallback_hub_offline": "设置了 HF_HUB_OFFLINE：取消这个变量，才会使用 Hub。",
    # --- before any notebook and `make train`: the data's script against the tokenizer ---
    "script_mismatch": "警告：{model} 的分词器不认识这些文本的文字。 | 抽查的文本：{n} 条 "
                       "| 含未知 token 的文本：{texts_unknown:.0%} "
                       "| 未知 token 或字节片段：{tokens_unreadable:.0%} "
                       "| 请换一个分词器认识这种文字的模型。",
    # --- any step: an earlier step's result made first (artifacts.require) ---
    "earlier_step_missing": "{folder} 中还没有“{name}”。先运行 {notebook} 生成它；"
                            "之后本 notebook 会接着运行。",
    "earlier_step_outdated": "“{name}”是用其他参数生成的（{changes}）。先运行 {notebook} 重新生成它；"
                             "之后本 notebook 会接着运行。",
    # --- step 01 ---
    "tiny_model_not_pretrained_step1": "本次运行的模型是 `smoke` 运行配置的微型 GPT-2，它从未经过预训练，"
                                       "权重是随机的。本 notebook 凡说“预训练”的地方，都请读作“随机”。"
                                       "它的零样本分数（1.3 节）只说明这套流程能跑通；"
                                       "`offline`（MiniLM）和 `full`（GPT-2）测量的才是预训练模型。",
    "data_synthetic": "{name}：合成推文（SYNTHETIC），{rate:.0%} 的标签被故意翻转",
    "data_hub": "{name}：来自 {server}，保存在本地缓存中",
    "data_hub_cache": "{name}：来自本地 Hugging Face 缓存，本次运行不访问 Hub",
    "data_file": "{name}：你的文件；按标签分层抽取其中 {share:.0%} 作为测试集",
    "data_folder": "{name}：你的文件夹，使用其中的 train 和 test 文件",
    # --- step 02 ---
    "model_pad_shipped": ("**{model}**（{model_type}，上下文 {context:,} 个 token）自带填充 token {pad}。"
                          "第 4 步和第 5 步都无需修正。"),
    "model_pad_missing": ("**{model}**（{model_type}，上下文 {context:,} 个 token）**没有填充 token**。"
                          "第 4 步为它指定一个，第 5 步再把这个 id 告诉模型。"),
    # --- step 03 ---
    "data_about_course": ("**课程自带的推文：合成数据。** 它的生成器（`tools/make_tweets.py`）"
                          "用几种**类型**（kind）的手写模板拼出每条推文（普通、否定、讽刺、情感混杂、"
                          "不带关键词的温和情感、满是情感词的中性文本、边界情况），"
                          "再像真实推文那样往里掺进各种“杂质”（提及、链接、表情符号、拼写错误、多余的空格），"
                          "然后故意翻转 {rate:.0%} 的标签，以模仿标注者的错误。"
                          "它还保留了一份**答案表**（answer key）：每条推文的类型，"
                          "以及它的标签是否被翻转过，见下方打印的内容。真实数据从来不会附带答案表；"
                          "训练之后，课程用它来展示模型在哪些类型上出错，并找出被翻转的标签。"
                          "训练集和测试集来自同样的模板，所以在这些推文上的准确率只能说明机制运转得如何，"
                          "绝不能说明模型在真实推文上会表现如何。"),
    "data_about_guide": ("**原指南的数据：真实推文。** `mteb/tweet_sentiment_extraction` "
                         "收录的推文来自 Kaggle 的 *Tweet Sentiment Extraction* 竞赛，"
                         "每条都由人工标注者标为 negative、neutral 或 positive。"
                         "对处在边界上的推文，标注者之间会有分歧，所以有些标签值得商榷，"
                         "而数据本身并不说明是哪些。"),
    "data_about_other": ("**你选择的数据。** 只有它的制作者能说清是谁标注的、按什么规则标注；"
                         "能依据的只有标签本身。数据本身并不说明哪些标签是错的："
                         "训练之后，课程会列出模型最难拟合的训练文本，那是最先该查看的地方。"),
    # --- step 04 ---
    "tokenizer_bpe": ("**{model}** 使用字节级 BPE，与 GPT-2 相同。`Ġ` 表示这个 token 以空格开头。"
                      "`Ġgood` 和 `good` 是两个不同的 token。大小写保持不变。它从不产生未知 token："
                      "任何字符都能写成字节。"),
    "tokenizer_wordpiece": ("**{model}** 使用 WordPiece，与 BERT 相同。`##` 表示这个片段接在前一个片段后面。"
                            "每条文本都被包在 `[CLS] … [SEP]` 之间；分类器读取 `[CLS]`（第 5 步）。"
                            "词表中没有的字符会变成 `[UNK]`，所以两个不同的表情符号"
                            "对它来说可能是同一个 token；4.1 节统计了含有这种 token 的训练推文。"),
    "tokenizer_wordpiece_lowercase": ("**{model}** 使用 WordPiece，与 BERT 相同。它先把文本转为小写。"
                                      "`##` 表示这个片段接在前一个片段后面。"
                                      "每条文本都被包在 `[CLS] … [SEP]` 之间；分类器读取 `[CLS]`（第 5 步）。"
                                      "词表中没有的字符会变成 `[UNK]`，所以两个不同的表情符号对它来说"
                                      "可能是同一个 token；"
                                      "4.1 节统计了含有这种 token 的训练推文。"),
    "tokenizer_other": "**{model}** 使用 {kind}。上面的 token 展示了它怎样表示空格和片段。",
    "quirks_bpe": ("**{model}** 使用字节级 BPE：对于直撇号之后的英语词尾（如 `'m` 和 `'t`），"
                   "它有单独的 token。换成其他撇号，这个词就会被切开；"
                   "而像 `’` 这样较少见的字符会变成看似乱码的字节片段。"
                   "文本开头的词前面没有空格，只能用不带 `Ġ` 的 token；"
                   "这类 token 在词表中较少，所以即使是常见词，出现在文本开头时也可能被切开。"),
    "quirks_wordpiece": ("**{model}** 使用 WordPiece：它把每个标点符号都切成单独的 token。"
                         "所以 `I'm`、``I`m`` 和 `I’m` 都变成三个 token，只有中间那个（撇号）不同。"
                         "像 `&amp;` 这样的 HTML 实体会变成 `&`、`amp` 和 `;`，"
                         "比它所代表的 `&` 多出两个 token；被遮蔽的词则每个星号变成一个 token。"),
    "quirks_other": "**{model}** 使用 {kind}。上表展示了它如何处理每种特殊字符。",
    # --- step 05 ---
    "pooling_last_token": "**{model}** 是一个解码器（因果语言模型）。它的分类头读取最后一个不是填充的 token"
                          "（id 不等于填充 id 的最右边的位置）。找到这个 token 需要填充 id，"
                          "所以下面要讲的原指南的 bug 会出现在它身上。",
    "pooling_cls_pooler": "**{model}** 是一个编码器。它的分类头读取第一个 token，即 [CLS]，"
                          "经过池化层（pooler，一个带 tanh 的全连接层）之后的状态。"
                          "它不需要寻找最后一个 token，所以下面原指南的 bug "
                          "不会发生在它身上；演示改用一个小型 GPT-2。",
    "pooling_first_token": "**{model}** 是一个编码器。它的分类头读取第一个 token 的隐藏状态。"
                           "它不需要寻找最后一个 token，所以下面原指南的 bug 不会发生在它身上；"
                           "演示改用一个小型 GPT-2。",
    # --- step 06 ---
    # --- step 07a ---
    "curves_one_epoch": "**只训练了一轮。** 一条曲线至少要有两个点：现在还没有什么可读。",
    "curves_still_learning": "**仍在学习。** 验证损失在最后一轮（第 {last} 轮）结束时最低，"
                             "这一轮让它变化了 {rise:+.1f}%，超出了它的噪声（±{loss_noise:.1f}%）。"
                             "模型在从未训练过的推文上仍在进步；多训练几轮也许有帮助，验证集会给出答案。",
    "curves_levelling_off": "**趋于平缓。** 验证损失在最后一轮（第 {last} 轮）结束时最低，"
                            "但这一轮只让它变化了 {rise:+.1f}%，在它的噪声之内（±{loss_noise:.1f}%）。"
                            "曲线可能正在变平：再多训练几轮收获可能不大，验证集会给出答案。",
    "curves_over_confident": "**过度自信：过拟合的最初迹象。** 验证损失在第 {epoch} 轮结束时最低，随后上升了 "
                             "{rise:.1f}%，超出了它的噪声（±{loss_noise:.1f}%），而验证准确率持平"
                             "（{change:+.1f} 个百分点；它在 {n} 条推文上的噪声约为 ±{noise:.1f}）。"
                             "模型对自己的答案更有把握了：那些答错的推文也答得更自信，因而损失大得多。"
                             "过拟合先在损失上显现，后在准确率上显现；再多训练几轮，准确率可能随之下降。",
    "curves_over_fitting": "**过拟合。** 验证损失在第 {epoch} 轮结束时最低；随后它上升，验证准确率变化了 "
                           "{change:+.1f} 个百分点，下降幅度超出了它的噪声（{n} 条推文上约 ±{noise:.1f}）。"
                           "模型贴合训练推文，代价是在新推文上变差。",
    "curves_within_noise": "**在噪声之内。** 验证损失在第 {epoch} 轮结束时最低；到最后一轮它上升了 "
                           "{rise:.1f}%，在它的噪声之内（±{loss_noise:.1f}%），验证准确率变化了 "
                           "{change:+.1f} 个百分点（它在 {n} 条推文上的噪声约为 ±{noise:.1f}）。"
                           "这里看不出过拟合；要下结论，需要更多的验证推文。",
    # --- step 07b ---
    "errors_by_kind": "本课程的推文附带答案表（第 3 步）：每条推文所用模板的**类型**，以及它的标签是否被故意"
                      "翻转。下表按类型拆分测试准确率（各类型的含义见第 3 步的答案表），附 95% 区间："
                      "推文很少的类型无法排出高下。"
                      "此外，还会按文本原本要表达的类别（而不是标签）重新计分："
                      "一次针对全部测试推文，一次只针对标签被翻转的推文。"
                      "错误的标签给测得的准确率设了上限：一个对每条文本都判断正确的模型，"
                      "在每条被翻转的推文上仍被算作答错。7.12 和 7.13 节用同一份答案表，"
                      "统计错误和高损失推文中被翻转的标签。",
    "errors_no_kinds": "这份数据每条推文只记录了文本和标签，别无其他：没有可以用来拆分准确率的信息，"
                       "也没有记录哪些标签是错的。上面的各类别分数，以及下面的错误和高损失推文，"
                       "需要你自己来读。",
    "worse_than_chance": "比随机猜测还差",
    "no_better_than_chance": "不比随机猜测好：区间包含随机猜测的准确率",
    "worse_than_majority": "比随机猜测好，但不如总是猜“{majority}”",
    "no_better_than_majority": "比随机猜测好，但并不比总是猜“{majority}”明显更好",
    "better_than_majority": "比总是猜“{majority}”更好",
    "seeds_missing": "**尚未测量**：还没有用这些参数在这份数据上测过。运行 `make seeds PROFILE={profile}` "
                     "来测量（如果你用参数文件，加上 `PARAMS=` 指向它），然后重新运行这个单元格。"
                     "README 的“跨随机种子”一节给出了一台机器在 `offline` 运行配置上测得的这样一张表："
                     "那是另一次运行，不是这一次。",
    # --- bonus ---
    "tiny_model_not_pretrained": "本次运行的模型是 `smoke` 运行配置的微型 GPT-2，它从未经过预训练。"
                                 "本 notebook 凡说“预训练”的地方，都请读作“随机”："
                                 "被冻结的部分保持加载时的随机权重。"
                                 "在这里，低成本方法预计学不到多少（B.7 节解释原因）；"
                                 "`offline` 运行配置在一个预训练模型上展示它们。",
    "timings_disturbed": "**计时受到干扰。** 训练以下方法时（{methods}），其他程序占用了这台机器超过 "
                         "{limit:.0%} 的 CPU 时间（见上面的 `other programs`）。"
                         "它们的用时比训练本身所需的长，而且各自多出的量不同，所以这些时间不能相互比较，"
                         "它们占训练全部权重用时的比例也不能比较。"
                         "请比较准确率；要比较时间，请在一台空闲的机器上重新运行本 notebook。",
    "method_clearly_below_reference": "明显低于{reference}（{points:+.1f} 个百分点）",
    "method_below_reference": "低于{reference}（{points:+.1f} 个百分点，区间不含 0）",
    "method_like_reference": "与{reference}没有可测的差别（{points:+.1f} 个百分点）",
    "method_above_reference": "高于{reference}（{points:+.1f} 个百分点，区间不含 0）",
    "method_clearly_above_reference": "明显高于{reference}（{points:+.1f} 个百分点）",
    "method_one_label": "对每条测试推文都预测“{label}”：它没有学会任务（{points:+.1f} 个百分点）",
    # --- 各步练习（exercises.check）：对学习者答案的判定，以及错在哪里 ---
    "exercise_right": "练习 {exercise}：答对了。",
    "exercise_wrong": "练习 {exercise}：还不对{reason}。提示：{hint}",
    "exercise_blank": "练习 {exercise}：还没有作答。请在上面写下答案，再运行这个单元格。",
    "exercise_reason": "（{reason}）",
    "exercise_not_a_number": "{answer} 不是数字",
    "exercise_percentage": "比例在 0 到 1 之间，不是百分数",
    "exercise_too_high": "偏高",
    "exercise_too_low": "偏低",
    "exercise_not_an_option": "{answer} 不在可选项中：{options}",
    "exercise_not_a_function": "{answer} 不是函数",
    "exercise_raised": "你的函数报错：{error}",
    "exercise_case": "输入 {case} 时，它返回了 {got}",
    "exercise_returned_none": "有些输入它什么也没返回",
}

TABLES = {"en": EN, "zh": ZH}


def say(key: str, edition: str = "en", **values) -> str:
    """The message `key` in `edition`, its `{placeholders}` filled from `values`."""
    table = TABLES.get(edition)
    if table is None:
        raise ValueError(f"Unknown edition {edition!r}; the course has: {', '.join(TABLES)}.")
    if key not in table:
        raise KeyError(f"No message {key!r} in the {edition!r} table of finetune_course/messages.py.")
    return table[key].format(**values)


def listed(items, edition: str = "en") -> str:
    """Names joined as a list in `edition`: "a, b" in English, "a、b" in Chinese."""
    return ("、" if edition == "zh" else ", ").join(items)
