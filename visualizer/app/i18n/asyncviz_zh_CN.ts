<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>About</name>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About asyncio-visualizer</source>
        <translation>关于 asyncio-visualizer(&amp;A)</translation>
    </message>
</context>
<context>
    <name>AboutBox</name>
    <message>
        <source>About asyncio-visualizer</source>
        <translation>关于 asyncio-visualizer</translation>
    </message>
    <message>
        <source>version {version}</source>
        <translation>版本 {version}</translation>
    </message>
    <message>
        <source>Traces asyncio programs and shows what every task did, when, and why: live while they run, or from a saved trace.</source>
        <translation>跟踪 asyncio 程序，显示每个任务做了什么、何时做、为什么做：可在程序运行时实时查看，也可从保存的跟踪文件中查看。</translation>
    </message>
    <message>
        <source>&amp;Copy for a bug report</source>
        <translation>复制以提交错误报告(&amp;C)</translation>
    </message>
    <message>
        <source>Put these facts on the clipboard, as text to paste into a bug report</source>
        <translation>把这些信息作为文本复制到剪贴板，以便粘贴到错误报告中</translation>
    </message>
    <message>
        <source>The &apos;asyncviz&apos; command on the PATH ({path}) is another program, most likely the unrelated PyPI package &apos;asyncviz&apos;. Start this one as &apos;{own}&apos; or &apos;python -m visualizer&apos;.</source>
        <translation>PATH 中的 &apos;asyncviz&apos; 命令（{path}）是另一个程序，很可能是与本项目无关的 PyPI 包 &apos;asyncviz&apos;。请用 &apos;{own}&apos; 或 &apos;python -m visualizer&apos; 启动本程序。</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>AtTime</name>
    <message>
        <source>not yet created</source>
        <translation>尚未创建</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未录制</translation>
    </message>
    <message>
        <source>{count} {state}</source>
        <translation>{count} 个{state}</translation>
    </message>
    <message>
        <source>cursor at {t} s of {duration} s</source>
        <translation>光标位于 {t} 秒（共 {duration} 秒）</translation>
    </message>
</context>
<context>
    <name>Authoring</name>
    <message>
        <source>&amp;New scenario...</source>
        <translation>新建场景(&amp;N)…</translation>
    </message>
    <message>
        <source>Write a new scenario from a template into your scenario folder</source>
        <translation>用模板写一个新场景，放进你的场景文件夹</translation>
    </message>
    <message>
        <source>Open in &amp;editor</source>
        <translation>在编辑器中打开(&amp;E)</translation>
    </message>
    <message>
        <source>Open the selected scenario&apos;s file in your editor ($VISUAL, $EDITOR)</source>
        <translation>在你的编辑器（$VISUAL、$EDITOR）中打开所选场景的文件</translation>
    </message>
    <message>
        <source>Cannot create {name}</source>
        <translation>无法创建 {name}</translation>
    </message>
    <message>
        <source>Copy a built-in scenario?</source>
        <translation>复制一个内置场景？</translation>
    </message>
    <message>
        <source>“{title}” is built into asyncviz: its file is part of the package and read-only (an update would replace it). Copy it into your scenario folder, {folder}, and open the copy?</source>
        <translation>“{title}”是 asyncviz 内置的场景：它的文件属于软件包，是只读的（更新时会被替换）。要把它复制到你的场景文件夹 {folder}，然后打开这份副本吗？</translation>
    </message>
    <message>
        <source>Copy and open</source>
        <translation>复制并打开</translation>
    </message>
    <message>
        <source>Cannot copy {name}</source>
        <translation>无法复制 {name}</translation>
    </message>
    <message>
        <source>Cannot open an editor</source>
        <translation>无法打开编辑器</translation>
    </message>
    <message>
        <source>No editor could be started for {path}. Set $VISUAL or $EDITOR to your editor, or open the file yourself.</source>
        <translation>没能为 {path} 启动任何编辑器。请把 $VISUAL 或 $EDITOR 设为你的编辑器，或者自己打开这个文件。</translation>
    </message>
</context>
<context>
    <name>ChecksLine</name>
    <message>
        <source>Each check&apos;s claim, and for a failed one its line and its values</source>
        <translation>每条检查的论断；未通过的，还有它所在的行和其中的值</translation>
    </message>
    <message>
        <source>Checks: not run (the run did not finish)</source>
        <translation>检查：未运行（这次运行没有正常结束）</translation>
    </message>
    <message>
        <source>Checks: the file changed; they run again after its next run</source>
        <translation>检查：文件已更改；下次运行之后会再检查一次</translation>
    </message>
    <message>
        <source>Checks: running...</source>
        <translation>检查：正在运行……</translation>
    </message>
    <message>
        <source>Checks: none applies to this run ({skipped} skipped)</source>
        <translation>检查：没有一条适用于这次运行（跳过 {skipped} 条）</translation>
    </message>
    <message>
        <source> ({skipped} skipped)</source>
        <translation>（跳过 {skipped} 条）</translation>
    </message>
    <message>
        <source>Checks: {passed} of {total} passed</source>
        <translation>检查：{total} 条中 {passed} 条通过</translation>
    </message>
    <message>
        <source>Checks: {passed} of {total} passed on the {clock} clock</source>
        <translation>检查：在{clock}时钟上，{total} 条中 {passed} 条通过</translation>
    </message>
    <message>
        <source>Checks: {passed} of {total} held on this {clock}-clock run. They are written for the {check} clock, where times do not vary: `asyncviz check-scenario` runs them there.</source>
        <translation>检查：在这次{clock}时钟的运行中，{total} 条中 {passed} 条成立。这些检查是为{check}时钟写的，那里的时间不会随负载变化：`asyncviz check-scenario` 会在那里运行它们。</translation>
    </message>
    <message>
        <source>Checks: {failed} of {total} failed: {claim}</source>
        <translation>检查：{total} 条中 {failed} 条未通过：{claim}</translation>
    </message>
    <message>
        <source>Checks: {check}() did not end within {seconds} s, and was stopped</source>
        <translation>检查：{check}() 在 {seconds} 秒内没有结束，已被终止</translation>
    </message>
    <message>
        <source>Checks: did not end within {seconds} s, and were stopped</source>
        <translation>检查：在 {seconds} 秒内没有结束，已被终止</translation>
    </message>
    <message>
        <source>Checks: their process ended without a verdict (it exited or crashed)</source>
        <translation>检查：其进程没有给出结论就结束了（退出或崩溃）</translation>
    </message>
    <message>
        <source>line {line}</source>
        <translation>第 {line} 行</translation>
    </message>
    <message>
        <source>Checks: the file could not be loaded to run them: {error}</source>
        <translation>检查：无法加载文件来运行它们：{error}</translation>
    </message>
    <message>
        <source>raised {exception}</source>
        <translation>抛出了 {exception}</translation>
    </message>
    <message>
        <source>skipped: {why}</source>
        <translation>已跳过：{why}</translation>
    </message>
</context>
<context>
    <name>CompactBars</name>
    <message>
        <source>More</source>
        <translation>更多</translation>
    </message>
    <message>
        <source>The controls presenter mode leaves off the toolbar</source>
        <translation>演示模式下不在工具栏上的控件</translation>
    </message>
</context>
<context>
    <name>Compare</name>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>No difference: the two runs took the same time ({time}), made as many tasks and overlapped their waits as much.</source>
        <translation>没有差别：两次运行用时相同（{time}），创建的任务一样多，等待的重叠程度也一样。</translation>
    </message>
    <message>
        <source>{a} and {b} took the same time: {time}.</source>
        <translation>{a} 和 {b} 用时相同：{time}。</translation>
    </message>
    <message>
        <source>{b} took {b_time}, {diff} less than {a} ({a_time}): {percent}% less time.</source>
        <translation>{b} 用时 {b_time}，比 {a}（{a_time}）少 {diff}：时间少了 {percent}%。</translation>
    </message>
    <message>
        <source>{b} took {b_time}, {diff} more than {a} ({a_time}): {percent}% more time.</source>
        <translation>{b} 用时 {b_time}，比 {a}（{a_time}）多 {diff}：时间多了 {percent}%。</translation>
    </message>
    <message>
        <source>Most tasks waiting at once on a sleep, I/O or a thread: {n} in both.</source>
        <translation>同时在 sleep、I/O 或线程上等待的任务最多有：两次都是 {n} 个。</translation>
    </message>
    <message>
        <source>Most tasks waiting at once on a sleep, I/O or a thread: {a_n} in {a}, {b_n} in {b}.</source>
        <translation>同时在 sleep、I/O 或线程上等待的任务最多有：{a} 中 {a_n} 个，{b} 中 {b_n} 个。</translation>
    </message>
    <message>
        <source>Only one task runs at a time: {faster} is faster than {slower} because more of its waits overlap.</source>
        <translation>同一时刻只有一个任务在运行：{faster} 比 {slower} 快，是因为它的等待有更多重叠。</translation>
    </message>
    <message>
        <source>Tasks made: {a_n} in {a}, {b_n} in {b}.</source>
        <translation>创建的任务：{a} 中 {a_n} 个，{b} 中 {b_n} 个。</translation>
    </message>
    <message>
        <source>In both runs the tasks hardly waited for the loop (ready: under 1% of their time).</source>
        <translation>两次运行中，任务几乎都不用等事件循环（就绪时间不到它们时间的 1%）。</translation>
    </message>
    <message>
        <source>Time ready (waiting for the loop): {a_time} in {a} ({a_share} of the tasks&apos; time), {b_time} in {b} ({b_share}).</source>
        <translation>就绪时间（等待事件循环）：{a} 中 {a_time}（占任务时间的 {a_share}），{b} 中 {b_time}（{b_share}）。</translation>
    </message>
    <message>
        <source>{resource} was full {share} of the time with {bounded}; with {unbounded} it had no bound.</source>
        <translation>{bounded} 时 {resource} 有 {share} 的时间是满的；{unbounded} 时它没有上限。</translation>
    </message>
    <message>
        <source>{resource} was never full in either run.</source>
        <translation>两次运行中 {resource} 都从未满过。</translation>
    </message>
    <message>
        <source>{resource} was full {share} of the time in both.</source>
        <translation>两次运行中 {resource} 都有 {share} 的时间是满的。</translation>
    </message>
    <message>
        <source>{resource} was full {a_share} of the time with {a}, {b_share} with {b}.</source>
        <translation>{resource} 满着的时间：{a} 时占 {a_share}，{b} 时占 {b_share}。</translation>
    </message>
    <message>
        <source>Time tasks spent waiting on {resource}: {time} in both.</source>
        <translation>任务等待 {resource} 的时间：两次运行都是 {time}。</translation>
    </message>
    <message>
        <source>Time tasks spent waiting on {resource}: {a_time} with {a}, {b_time} with {b}.</source>
        <translation>任务等待 {resource} 的时间：{a} 时 {a_time}，{b} 时 {b_time}。</translation>
    </message>
    <message>
        <source>Most tasks waiting on {resource} at once: {a_n} with {a}, {b_n} with {b}.</source>
        <translation>同时等待 {resource} 的任务最多有：{a} 时 {a_n} 个，{b} 时 {b_n} 个。</translation>
    </message>
    <message>
        <source>{what} {time}</source>
        <translation>{what} {time}</translation>
    </message>
    <message>
        <source>{time} ({parts})</source>
        <translation>{time}（{parts}）</translation>
    </message>
    <message>
        <source>total time</source>
        <translation>总用时</translation>
    </message>
    <message>
        <source>most tasks waiting at once (sleep, I/O, thread)</source>
        <translation>同时等待的任务最多（sleep、I/O、线程）</translation>
    </message>
    <message>
        <source>most tasks alive at once</source>
        <translation>同时存在的任务最多</translation>
    </message>
    <message>
        <source>tasks made</source>
        <translation>创建的任务</translation>
    </message>
    <message>
        <source>time ready (share of the tasks&apos; time)</source>
        <translation>就绪时间（占任务时间的比例）</translation>
    </message>
    <message>
        <source>loop busy (share of the run)</source>
        <translation>事件循环忙碌（占运行时间的比例）</translation>
    </message>
    <message>
        <source>{resource}: time full (share)</source>
        <translation>{resource}：满着的时间（占比）</translation>
    </message>
    <message>
        <source>{resource}: most tasks waiting at once</source>
        <translation>{resource}：同时等待的任务最多</translation>
    </message>
    <message>
        <source>{resource}: time tasks waited</source>
        <translation>{resource}：任务等待的时间</translation>
    </message>
    <message>
        <source>a run</source>
        <translation>一次运行</translation>
    </message>
    <message>
        <source>{letter}: {run}, total time {time} (virtual clock)</source>
        <translation>{letter}：{run}，总用时 {time}（虚拟时钟）</translation>
    </message>
    <message>
        <source>{letter}: {run}, total time {time}</source>
        <translation>{letter}：{run}，总用时 {time}</translation>
    </message>
</context>
<context>
    <name>CompareWindow</name>
    <message>
        <source>Compare two runs</source>
        <translation>比较两次运行</translation>
    </message>
    <message>
        <source>Fit both runs</source>
        <translation>显示两次运行的全部</translation>
    </message>
    <message>
        <source>Zoom in (time)</source>
        <translation>放大时间轴</translation>
    </message>
    <message>
        <source>Zoom out (time)</source>
        <translation>缩小时间轴</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>Comparing</name>
    <message>
        <source>&amp;Compare</source>
        <translation>比较(&amp;C)</translation>
    </message>
    <message>
        <source>With the &amp;previous run</source>
        <translation>与上一次运行比较(&amp;P)</translation>
    </message>
    <message>
        <source>The run shown before this one (A, above) against this one (B)</source>
        <translation>把之前显示的运行（A，在上）与这一次（B）比较</translation>
    </message>
    <message>
        <source>With the &amp;form&apos;s parameters</source>
        <translation>用表单中的参数比较(&amp;F)</translation>
    </message>
    <message>
        <source>Run the selected scenario with the parameters in the form, on the virtual clock, and compare it (B) with the run on screen (A)</source>
        <translation>用表单中的参数在虚拟时钟上运行所选示例，并把它（B）与屏幕上的运行（A）比较</translation>
    </message>
    <message>
        <source>With a &amp;trace file...</source>
        <translation>与追踪记录文件比较(&amp;T)…</translation>
    </message>
    <message>
        <source>recording {scenario} on the virtual clock, to compare...</source>
        <translation>正在用虚拟时钟录制 {scenario}，以便比较……</translation>
    </message>
    <message>
        <source>{scenario} failed</source>
        <translation>{scenario} 运行失败</translation>
    </message>
    <message>
        <source>Invalid parameter</source>
        <translation>参数无效</translation>
    </message>
    <message>
        <source>Compare with a trace file</source>
        <translation>与追踪记录文件比较</translation>
    </message>
    <message>
        <source>asyncviz traces (*.json *.json.gz *.avz);;All files (*)</source>
        <translation>asyncviz 追踪记录 (*.json *.json.gz *.avz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot open {path}</source>
        <translation>无法打开 {path}</translation>
    </message>
</context>
<context>
    <name>Details</name>
    <message>
        <source>ready</source>
        <extracomment>the task does not exist yet between two recorded spans (a trace that lost events) each state&apos;s word, indexed by its code (the outcomes are ``schema.OUTCOMES``&apos; words)
----------
the states, outcomes and wake kinds (``schema``&apos;s names), for ``lupdate`` frames of an await stack shown (a real one is tens deep; a file may say millions)</extracomment>
        <translation>就绪</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>挂起</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>未结束</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>error</source>
        <translation>出错</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>timer</source>
        <translation>定时器</translation>
    </message>
    <message>
        <source>io</source>
        <translation>I/O</translation>
    </message>
    <message>
        <source>thread</source>
        <translation>线程</translation>
    </message>
    <message>
        <source>callback</source>
        <translation>回调</translation>
    </message>
    <message>
        <source>(no line of user code)</source>
        <translation>（没有用户代码行）</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>from</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>to</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>lasted</source>
        <translation>持续</translation>
    </message>
    <message>
        <source>awaiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>at</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>waiting for</source>
        <translation>等待的是</translation>
    </message>
    <message>
        <source>task {id}</source>
        <translation>任务 {id}</translation>
    </message>
    <message>
        <source>{task} (forgotten)</source>
        <translation>{task}（已遗忘）</translation>
    </message>
    <message>
        <source>created by {task}</source>
        <translation>由 {task} 创建</translation>
    </message>
    <message>
        <source>created by a callback</source>
        <translation>由回调创建</translation>
    </message>
    <message>
        <source>{task}&apos;s step</source>
        <translation>{task} 的一步</translation>
    </message>
    <message>
        <source>a task&apos;s step</source>
        <translation>某个任务的一步</translation>
    </message>
    <message>
        <source>cancel() by {task}</source>
        <translation>{task} 调用了 cancel()</translation>
    </message>
    <message>
        <source>cancel()</source>
        <translation>cancel()</translation>
    </message>
    <message>
        <source>woken by</source>
        <translation>唤醒者</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{outcome}: {error}</source>
        <translation>{outcome}：{error}</translation>
    </message>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>coroutine</source>
        <translation>协程</translation>
    </message>
    <message>
        <source>parent</source>
        <translation>父任务</translation>
    </message>
    <message>
        <source>created</source>
        <translation>创建于</translation>
    </message>
    <message>
        <source>{time} at {site}</source>
        <translation>{time}，位置 {site}</translation>
    </message>
    <message>
        <source>outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>结束于</translation>
    </message>
    <message>
        <source>cancelled at</source>
        <translation>取消位置</translation>
    </message>
    <message>
        <source>before the history kept</source>
        <translation>保留的历史之前</translation>
    </message>
    <message>
        <source>{steps} steps; running {running}, ready {ready}, suspended {suspended}</source>
        <translation>{steps} 步；运行 {running}，就绪 {ready}，挂起 {suspended}</translation>
    </message>
    <message>
        <source>{task}: {state}</source>
        <translation>{task}：{state}</translation>
    </message>
    <message>
        <source>{task}: {state} on {awaited}, {length}</source>
        <translation>{task}：{state}，等待 {awaited}，{length}</translation>
    </message>
    <message>
        <source>{task}: {state}, {length}</source>
        <translation>{task}：{state}，{length}</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>Click a bar to see what the task was doing, and why.</source>
        <translation>点击一个横条，看看任务当时在做什么，以及为什么。</translation>
    </message>
    <message>
        <source>&lt;b&gt;await stack&lt;/b&gt; (outermost first)</source>
        <translation>&lt;b&gt;await 栈&lt;/b&gt;（最外层在前）</translation>
    </message>
    <message>
        <source>traceback</source>
        <translation>回溯（traceback）</translation>
    </message>
    <message>
        <source>the task&apos;s steps and waits</source>
        <translation>这个任务的各步与等待</translation>
    </message>
    <message>
        <source>{state} on {awaited}</source>
        <translation>{state}，等待 {awaited}</translation>
    </message>
    <message>
        <source>line {line}</source>
        <translation>第 {line} 行</translation>
    </message>
    <message>
        <source>and {count} more tasks</source>
        <translation>还有 {count} 个任务</translation>
    </message>
    <message>
        <source>resources</source>
        <translation>资源</translation>
    </message>
    <message>
        <source>tasks</source>
        <translation>任务</translation>
    </message>
</context>
<context>
    <name>Exporting</name>
    <message>
        <source>E&amp;xport trace...</source>
        <translation>导出追踪记录(&amp;X)…</translation>
    </message>
    <message>
        <source>Write the trace on screen for Perfetto (ui.perfetto.dev) or chrome://tracing: a track per task, arrows for who woke whom, the loop, threads, marks and resources</source>
        <translation>把屏幕上的追踪记录导出给 Perfetto（ui.perfetto.dev）或 chrome://tracing：每个任务一条轨道，箭头表示谁唤醒了谁，还有事件循环、线程、标记和资源</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Export trace</source>
        <translation>导出追踪记录</translation>
    </message>
    <message>
        <source>Exporting the trace to {path}...</source>
        <translation>正在把追踪记录导出到 {path}…</translation>
    </message>
    <message>
        <source>Exported the trace to {path}</source>
        <translation>已将跟踪导出到 {path}</translation>
    </message>
    <message>
        <source>Cannot export to {path}</source>
        <translation>无法导出到 {path}</translation>
    </message>
</context>
<context>
    <name>Exports</name>
    <message>
        <source>Perfetto / Chrome trace (Trace Event Format)</source>
        <translation>Perfetto / Chrome 追踪记录（Trace Event Format）</translation>
    </message>
    <message>
        <source>One-file web page (HTML)</source>
        <translation>单文件网页 (HTML)</translation>
    </message>
    <message>
        <source>asyncviz trace, compact (.avz)</source>
        <translation>asyncviz 跟踪，紧凑格式 (.avz)</translation>
    </message>
    <message>
        <source>asyncviz trace, JSON (.json)</source>
        <translation>asyncviz 跟踪，JSON (.json)</translation>
    </message>
</context>
<context>
    <name>GanttView</name>
    <message>
        <source>time</source>
        <extracomment>a cancel that no task called (a timeout&apos;s timer, a callback): a wake kind of the chart&apos;s own, as it is drawn like a timer&apos;s wake (a mark, a short arrow), not like a cancel by a task (an arrow from that task) wakes that no task caused -&gt; (symbol, colour), drawn where the ready bar begins above this many marks of one kind none are drawn (they would hide the bars) a wake&apos;s mark sits this far above its lane&apos;s centre: in the gap above the bar a kind with more marks than this draws only those in view (fewer: all, once) a click this many pixels beside a thin bar still selects it glyphs (outcomes, wakes) and arrows grow with the type above this size (points): big type for a projector, and glyphs as readable as the words beside them a fitted chart has room for this many lanes at least outcome -&gt; (symbol, colour): each its own glyph, so colour is never the only cue a click on the event loop&apos;s row (under the tasks&apos; lanes): the run&apos;s statistics the resources&apos; rows came or went (the legend names them only while shown) seconds, with the run&apos;s end labelled what each bar stands for, written in it, over the arrows one scatter item per kind a short arrow from a timer&apos;s or I/O&apos;s mark into the bar of the task it woke the run&apos;s queues, semaphores, locks ... as rows under the others (issue 15)
----------
a dashed line where each run ended, labelled with its total time</extracomment>
        <translation>时间</translation>
    </message>
    <message>
        <source>event loop</source>
        <translation>事件循环</translation>
    </message>
    <message>
        <source>window drawing</source>
        <translation>窗口绘制</translation>
    </message>
    <message>
        <source>thread {name}</source>
        <translation>线程 {name}</translation>
    </message>
    <message>
        <source>process pool {n}</source>
        <translation>进程池 {n}</translation>
    </message>
    <message>
        <source>history before {time} s let go: {tasks} tasks, {spans} spans</source>
        <translation>{time} 秒之前的历史已释放：{tasks} 个任务，{spans} 个区间</translation>
    </message>
</context>
<context>
    <name>HistoryMenu</name>
    <message>
        <source>&amp;History kept</source>
        <translation>保留的历史(&amp;H)</translation>
    </message>
    <message>
        <source>Everything (memory grows with the run)</source>
        <translation>全部（内存随运行增长）</translation>
    </message>
    <message>
        <source>Last {count} h</source>
        <translation>最近 {count} 小时</translation>
    </message>
    <message>
        <source>Last {count} min</source>
        <translation>最近 {count} 分钟</translation>
    </message>
    <message>
        <source>Last {count} s</source>
        <translation>最近 {count} 秒</translation>
    </message>
</context>
<context>
    <name>HotReload</name>
    <message>
        <source>Rerun on &amp;save</source>
        <translation>保存时重新运行(&amp;S)</translation>
    </message>
    <message>
        <source>When the selected scenario&apos;s file is saved, read it again and run the last run again: same clock, same parameters (remembered apart for the built-in lessons and for your own files)</source>
        <translation>所选示例的文件一保存，就重新读取它，并把上一次运行再跑一遍：相同的时钟、相同的参数（内置课程与你自己的文件分别记住这个设置）</translation>
    </message>
    <message>
        <source>Its file is gone: {path}</source>
        <translation>它的文件已不在：{path}</translation>
    </message>
    <message>
        <source>Does not read as a scenario: {error}</source>
        <translation>无法作为示例读取：{error}</translation>
    </message>
    <message>
        <source>The file {path} is gone (deleted or moved). Saved again, it is read again.</source>
        <translation>文件 {path} 已不在（被删除或移走）。再次保存后会重新读取。</translation>
    </message>
    <message>
        <source>Line {line}: {error}</source>
        <translation>第 {line} 行：{error}</translation>
    </message>
    <message>
        <source>Fixed and saved, the file is read again.</source>
        <translation>改好并保存后，文件会被重新读取。</translation>
    </message>
    <message>
        <source>The chart keeps the last run; fixed and saved, the file runs again.</source>
        <translation>图表保留上一次的运行；改好并保存后，文件会再次运行。</translation>
    </message>
    <message>
        <source>The chart keeps the last run.</source>
        <translation>图表保留上一次的运行。</translation>
    </message>
</context>
<context>
    <name>Insights</name>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>hint</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>A step held the loop</source>
        <translation>一步占住了事件循环</translation>
    </message>
    <message>
        <source>A ready task waited long to run</source>
        <translation>就绪的任务等了很久才运行</translation>
    </message>
    <message>
        <source>An exception nobody retrieved</source>
        <translation>没有人取走的异常</translation>
    </message>
    <message>
        <source>A coroutine never awaited</source>
        <translation>从未被 await 的协程</translation>
    </message>
    <message>
        <source>A task destroyed while pending</source>
        <translation>任务在未完成时被销毁</translation>
    </message>
    <message>
        <source>A task left pending at the end</source>
        <translation>结束时仍未完成的任务</translation>
    </message>
    <message>
        <source>Tasks mostly waited for a lock or semaphore</source>
        <translation>任务大部分时间在等锁或信号量</translation>
    </message>
    <message>
        <source>A task polls instead of waiting</source>
        <translation>任务在轮询而不是等待</translation>
    </message>
    <message>
        <source>A task caught a cancellation and went on</source>
        <translation>任务捕获了取消却继续运行</translation>
    </message>
    <message>
        <source>A task started and dropped</source>
        <translation>启动后被丢下的任务</translation>
    </message>
    <message>
        <source>Waits one after another that could overlap</source>
        <translation>本可重叠却一个接一个的等待</translation>
    </message>
    <message>
        <source>{items} and {count} more</source>
        <translation>{items}，另有 {count} 个</translation>
    </message>
    <message>
        <source>{task} failed with {error}, and nobody retrieved it</source>
        <translation>{task} 因 {error} 失败，却没有人取走这个异常</translation>
    </message>
    <message>
        <source>{task} raised {error} at {failed}{where}, and nothing awaited it or asked for its result or exception: the error was handled nowhere. asyncio said so only when the task was freed, at {reported}, on stderr, where a program&apos;s user rarely looks.</source>
        <translation>{task} 在 {failed}{where} 抛出了 {error}，而没有任何代码 await 它，也没有人取它的结果或异常：这个错误在哪里都没有被处理。asyncio 直到任务被释放时（{reported}）才在 stderr 上提到它，而程序的使用者很少看那里。</translation>
    </message>
    <message>
        <source>A future&apos;s exception was never retrieved: {error}</source>
        <translation>一个 future 的异常从未被取走：{error}</translation>
    </message>
    <message>
        <source>A future (not one of the run&apos;s tasks) was given the exception {error} and freed at {reported} without anyone asking for it.</source>
        <translation>一个 future（不是本次运行的任务）被设置了异常 {error}，并在 {reported} 被释放，期间没有人取过它。</translation>
    </message>
    <message>
        <source>The fix: await every task you create (or gather them, or start them in a TaskGroup) where its failure can be handled; a task really left to run on its own needs a done callback that retrieves its exception (task.exception()) and logs it.</source>
        <translation>修正方法：在能处理失败的地方 await 你创建的每个任务（或用 gather 收集，或在 TaskGroup 中启动）；确实要让它独自运行的任务，需要一个完成回调来取走它的异常（task.exception()）并记录下来。</translation>
    </message>
    <message>
        <source>The coroutine &apos;{coro}&apos; was never awaited: its code never ran</source>
        <translation>协程 &apos;{coro}&apos; 从未被 await：它的代码从未运行</translation>
    </message>
    <message>
        <source>Calling an async def function does not run it: it makes a coroutine object, whose code runs only when something awaits it or makes a task of it. This one was dropped without either{by} (Python said so when it was freed, at {t}), so none of its code ran.</source>
        <translation>调用 async def 函数并不会运行它：它只会创建一个协程对象，只有被 await 或被做成任务时其代码才会运行。这个协程两者都没有就被丢弃了{by}（Python 在它被释放时，即 {t}，报告了这一点），所以它的代码一行都没有运行。</translation>
    </message>
    <message>
        <source>, in {task}</source>
        <translation>，在 {task} 中</translation>
    </message>
    <message>
        <source>The fix: await it (await {coro}(...)), or start it as a task with asyncio.create_task and keep the task to await it later.</source>
        <translation>修正方法：await 它（await {coro}(...)），或用 asyncio.create_task 把它作为任务启动，并保留这个任务以便之后 await。</translation>
    </message>
    <message>
        <source>while it waited on {what}</source>
        <translation>当时它在等待 {what}</translation>
    </message>
    <message>
        <source>in the middle of its work</source>
        <translation>当时它的工作正做到一半</translation>
    </message>
    <message>
        <source>{task} was destroyed while still pending</source>
        <translation>{task} 在仍未完成时被销毁</translation>
    </message>
    <message>
        <source>The event loop keeps only a weak reference to a task. Once nothing else referred to {task}, Python freed it, at {t}, {waiting}: it never finished, what it was to do was never done, and only a line on stderr said so.</source>
        <translation>事件循环对任务只保留弱引用。一旦没有别的对象引用 {task}，Python 就在 {t} 释放了它（{waiting}）：它从未完成，要做的事也没有做完，只有 stderr 上的一行字提到过。</translation>
    </message>
    <message>
        <source>The fix: keep a reference to every task until it is done, for instance in a set (tasks.add(task); task.add_done_callback(tasks.discard)), and await the tasks still running before the program ends; or start them in a TaskGroup.</source>
        <translation>修正方法：在每个任务完成之前保留对它的引用，例如放进一个集合（tasks.add(task); task.add_done_callback(tasks.discard)），并在程序结束前 await 仍在运行的任务；或者在 TaskGroup 中启动它们。</translation>
    </message>
    <message>
        <source>waiting on {what}</source>
        <translation>在等待 {what}</translation>
    </message>
    <message>
        <source>ready or running</source>
        <translation>处于就绪或运行中</translation>
    </message>
    <message>
        <source>{task} never finished: it was {state} when the run ended</source>
        <translation>{task} 从未完成：运行结束时它{state}</translation>
    </message>
    <message>
        <source>Nothing awaited or cancelled {task} before the loop stopped, so the rest of its work never ran, nor its finally blocks. asyncio.run cancels the tasks left when main returns; a loop stopped another way (run_until_complete, stop(), a signal) leaves them as they are, and Python later reports &quot;Task was destroyed but it is pending!&quot;.</source>
        <translation>在事件循环停止前，没有任何代码 await 或取消 {task}，所以它剩下的工作和它的 finally 块都没有运行。main 返回时 asyncio.run 会取消剩下的任务；以其他方式停止的循环（run_until_complete、stop()、信号）会让它们保持原样，之后 Python 会报告 &quot;Task was destroyed but it is pending!&quot;。</translation>
    </message>
    <message>
        <source>The fix: before the program ends, await every task it started (gather, a TaskGroup), or cancel the ones no longer needed and await them.</source>
        <translation>修正方法：在程序结束前 await 它启动的每个任务（gather、TaskGroup），或取消不再需要的任务并 await 它们。</translation>
    </message>
    <message>
        <source> {count} of them waited on {what}.</source>
        <translation>其中 {count} 个在等待 {what}。</translation>
    </message>
    <message>
        <source>{count} tasks never finished: they were pending when the run ended</source>
        <translation>{count} 个任务从未完成：运行结束时它们仍未完成</translation>
    </message>
    <message>
        <source>Nothing awaited or cancelled {count} tasks (the first left since {since}: {task}) before the loop stopped, so the rest of their work never ran, nor their finally blocks.</source>
        <translation>在事件循环停止前，没有任何代码 await 或取消这 {count} 个任务（最早的从 {since} 起就停在那里：{task}），所以它们剩下的工作和 finally 块都没有运行。</translation>
    </message>
    <message>
        <source>{label} at {site}</source>
        <translation>{label}，位于 {site}</translation>
    </message>
    <message>
        <source> (at {site})</source>
        <translation>（位于 {site}）</translation>
    </message>
    <message>
        <source>{task} held the loop for {seconds} in one step</source>
        <translation>{task} 在一步中占住事件循环 {seconds}</translation>
    </message>
    <message>
        <source>{task} held the loop for {seconds} in one step, in {call}</source>
        <translation>{task} 在一步中占住事件循环 {seconds}，卡在 {call}</translation>
    </message>
    <message>
        <source>{task} ran for {seconds} without awaiting, from {before} to {after}: all that time no other task, timer or I/O callback could run.</source>
        <translation>{task} 从 {before} 到 {after} 连续运行了 {seconds} 而没有 await：这段时间里没有任何其他任务、定时器或 I/O 回调能够运行。</translation>
    </message>
    <message>
        <source>A callback ({callback}) held the loop for {seconds}</source>
        <translation>一个回调（{callback}）占住事件循环 {seconds}</translation>
    </message>
    <message>
        <source>A callback ({callback}) held the loop for {seconds}, in {call}</source>
        <translation>一个回调（{callback}）占住事件循环 {seconds}，卡在 {call}</translation>
    </message>
    <message>
        <source>The loop ran the callback {callback} (a call_soon or call_later callback, a done callback, a protocol&apos;s method) for {seconds}: all that time no task, timer or other callback could run.</source>
        <translation>事件循环运行回调 {callback}（call_soon 或 call_later 的回调、完成回调、协议的方法）用了 {seconds}：这段时间里没有任何任务、定时器或其他回调能够运行。</translation>
    </message>
    <message>
        <source>the line “{line}” at {site} in {function}</source>
        <translation>{function} 中 {site} 处的代码行“{line}”</translation>
    </message>
    <message>
        <source>{call} at {site} in {function}</source>
        <translation>{function} 中 {site} 处的 {call}</translation>
    </message>
    <message>
        <source>The call was made from {caller}.</source>
        <translation>这个调用来自 {caller}。</translation>
    </message>
    <message>
        <source>Looked at again while it ran, the step was in: {places}.</source>
        <translation>在这一步运行期间再次查看，它先后位于：{places}。</translation>
    </message>
    <message>
        <source>The fix: await instead of blocking (asyncio.sleep, not time.sleep; an asyncio client, not a blocking one); run blocking calls in a thread with asyncio.to_thread or loop.run_in_executor, and CPU-bound Python in a process pool; or cut long work into pieces with await asyncio.sleep(0) between them.</source>
        <translation>修正方法：用 await 代替阻塞（用 asyncio.sleep 而不是 time.sleep；用 asyncio 客户端而不是阻塞的客户端）；用 asyncio.to_thread 或 loop.run_in_executor 在线程中运行阻塞调用，CPU 密集的 Python 代码放进进程池；或者把长的工作切成小块，中间 await asyncio.sleep(0)。</translation>
    </message>
    <message>
        <source>a bare yield (sleep(0))</source>
        <translation>一次单纯的让出（sleep(0)）</translation>
    </message>
    <message>
        <source>its start</source>
        <translation>它的开始</translation>
    </message>
    <message>
        <source>its end</source>
        <translation>它的结束</translation>
    </message>
    <message>
        <source>the end of the trace</source>
        <translation>记录的结尾</translation>
    </message>
    <message>
        <source>{task} ({label}, due at {due}) {late} late</source>
        <translation>{task}（{label}，应在 {due} 到期）晚了 {late}</translation>
    </message>
    <message>
        <source>Timers it made late: {timers}.</source>
        <translation>被它推迟的定时器：{timers}。</translation>
    </message>
    <message>
        <source>{task} {seconds}</source>
        <translation>{task} {seconds}</translation>
    </message>
    <message>
        <source>Tasks that were ready and waited for it: {tasks}.</source>
        <translation>已就绪并在等它的任务：{tasks}。</translation>
    </message>
    <message>
        <source>other tasks {seconds}</source>
        <translation>其他任务 {seconds}</translation>
    </message>
    <message>
        <source>the window&apos;s own drawing {seconds}</source>
        <translation>窗口自身的绘制 {seconds}</translation>
    </message>
    <message>
        <source>callbacks and the loop itself {seconds}</source>
        <translation>回调和事件循环本身 {seconds}</translation>
    </message>
    <message>
        <source>{count} tasks were ready to run but waited up to {longest} for the loop</source>
        <translation>{count} 个任务已经就绪，却等了事件循环最长 {longest}</translation>
    </message>
    <message>
        <source>A ready task runs only when the loop comes to it, and the loop runs one step at a time. {count} tasks waited {threshold} or more ({waits} waits, the longest {longest}, by {task}); meanwhile the loop ran: {holders}.</source>
        <translation>就绪的任务只有在事件循环轮到它时才运行，而事件循环一次只运行一步。{count} 个任务等待了 {threshold} 或更久（共 {waits} 次等待，最长的 {longest} 是 {task} 的）；这期间事件循环在运行：{holders}。</translation>
    </message>
    <message>
        <source>{task} was ready to run but waited up to {longest} for the loop</source>
        <translation>{task} 已经就绪，却等了事件循环最长 {longest}</translation>
    </message>
    <message>
        <source>A ready task runs only when the loop comes to it, and the loop runs one step at a time. {task} waited {total} in all (waits of {threshold} or more: {count}); meanwhile the loop ran: {holders}.</source>
        <translation>就绪的任务只有在事件循环轮到它时才运行，而事件循环一次只运行一步。{task} 总共等了 {total}（{threshold} 或更长的等待：{count} 次）；这期间事件循环在运行：{holders}。</translation>
    </message>
    <message>
        <source>Across the run, ready tasks waited {p50} (median), {p99} (99th percentile), {max} at most.</source>
        <translation>在整个运行中，就绪的任务等待了 {p50}（中位数）、{p99}（第 99 百分位），最长 {max}。</translation>
    </message>
    <message>
        <source>The fix: shorten the steps that held the loop (await instead of blocking, move blocking or CPU-bound work to a thread or a process, or cut it up with await asyncio.sleep(0)); if there are simply very many ready tasks, start fewer at once (a Semaphore).</source>
        <translation>修正方法：缩短占住事件循环的步（用 await 代替阻塞，把阻塞或 CPU 密集的工作移到线程或进程中，或用 await asyncio.sleep(0) 切开）；如果只是就绪的任务太多，就一次少启动一些（用 Semaphore）。</translation>
    </message>
    <message>
        <source>{kind} &apos;{name}&apos;</source>
        <translation>{kind} &apos;{name}&apos;</translation>
    </message>
    <message>
        <source>Code outside any task (a callback)</source>
        <translation>不在任何任务中的代码（一个回调）</translation>
    </message>
    <message>
        <source>{task} was asked to stop (task.cancel()) while it was not waiting on anything; the CancelledError was raised in it when it next ran.</source>
        <translation>{task} 在没有等待任何东西时被要求停止（task.cancel()）；CancelledError 在它下一次运行时在其中抛出。</translation>
    </message>
    <message>
        <source>{who} asked {task} to stop at {t} (task.cancel()); the CancelledError was raised in it at the await it was waiting on{where}.</source>
        <translation>{who} 在 {t} 要求 {task} 停止（task.cancel()）；CancelledError 在它正在等待的 await 处抛出{where}。</translation>
    </message>
    <message>
        <source>, {site}</source>
        <translation>，位置 {site}</translation>
    </message>
    <message>
        <source>{task} caught it and went on: it was still running when the run ended, {later} later.</source>
        <translation>{task} 捕获了它并继续运行：运行结束时（{later} 之后）它仍在运行。</translation>
    </message>
    <message>
        <source>{task} caught a CancelledError and kept running</source>
        <translation>{task} 捕获了 CancelledError 并继续运行</translation>
    </message>
    <message>
        <source>{task} did not end cancelled: it ended with {error} at {t} (code that turned the CancelledError into another error, or a clean-up that raised).</source>
        <translation>{task} 没有以取消结束：它在 {t} 以 {error} 结束（有代码把 CancelledError 变成了另一个错误，或者清理代码抛出了异常）。</translation>
    </message>
    <message>
        <source>{task} was cancelled but ended with {error} instead</source>
        <translation>{task} 被取消了，却以 {error} 结束</translation>
    </message>
    <message>
        <source>{task} caught it and went on: it ended {outcome} at {t}, not cancelled.</source>
        <translation>{task} 捕获了它并继续运行：它在 {t} {outcome}结束，而不是被取消。</translation>
    </message>
    <message>
        <source>{task} caught a CancelledError and went on to end {outcome}</source>
        <translation>{task} 捕获了 CancelledError，继续运行后{outcome}结束</translation>
    </message>
    <message>
        <source>Whoever cancels a task counts on it ending cancelled: await task returns as if nothing had happened, asyncio.timeout and TaskGroup cannot tell their own cancels from others&apos;, and asyncio.run waits at the end for a task that will not stop. (The {count} cancel request(s) were never withdrawn: task.cancelling() still counted them.)</source>
        <translation>取消任务的一方指望它以“已取消”结束：而现在 await task 就像什么都没发生一样返回，asyncio.timeout 和 TaskGroup 分不清自己的取消和别人的取消，asyncio.run 在最后还要等一个不肯停止的任务。（这 {count} 个取消请求从未被撤回：task.cancelling() 仍然计着它们。）</translation>
    </message>
    <message>
        <source>The fix: clean up and let it go on: except asyncio.CancelledError: ...; raise (or do the cleanup in a finally block). A task that really must refuse a cancel calls asyncio.current_task().uncancel(), and says so to whoever cancels it.</source>
        <translation>修正方法：清理之后让它继续传播：except asyncio.CancelledError: ...; raise（或者把清理放在 finally 块里）。确实必须拒绝取消的任务应调用 asyncio.current_task().uncancel()，并告知取消它的一方。</translation>
    </message>
    <message>
        <source>with an error</source>
        <translation>以出错</translation>
    </message>
    <message>
        <source>normally</source>
        <translation>正常</translation>
    </message>
    <message>
        <source> (made at {site})</source>
        <translation>（创建于 {site}）</translation>
    </message>
    <message>
        <source>{task} was started and dropped: nothing held it when it ended</source>
        <translation>{task} 启动后就被丢下了：它结束时没有任何东西持有它</translation>
    </message>
    <message>
        <source>{count} tasks were started and dropped: nothing held them when they ended</source>
        <translation>{count} 个任务启动后就被丢下了：它们结束时没有任何东西持有它们</translation>
    </message>
    <message>
        <source>It failed, and the error was lost with it: nobody was there to see it.</source>
        <translation>它失败了，错误也随之丢失：没有人在那里看到它。</translation>
    </message>
    <message>
        <source>Whatever it returned was lost, and a failure would have been too (asyncio only logs one, on stderr, when the task is freed).</source>
        <translation>它返回的结果丢失了，如果失败，错误也会丢失（asyncio 只会在任务被释放时在 stderr 上记录一条）。</translation>
    </message>
    <message>
        <source>Nothing but the event loop referred to {tasks}{made} when it ended: no task awaited it, nothing gathered it or waited for it, no TaskGroup or set kept it, and no done callback was to be called.</source>
        <translation>{tasks}{made} 结束时，除了事件循环没有任何东西引用它：没有任务 await 它，没有 gather 或 wait 等待它，没有 TaskGroup 或集合保存它，也没有要调用的完成回调。</translation>
    </message>
    <message>
        <source>And the loop keeps only a weak reference to a task: one nothing refers to may be freed by the garbage collector before it is done, and vanish mid-work. This time it finished first.</source>
        <translation>而且事件循环对任务只保留弱引用：没有任何东西引用的任务可能在完成之前就被垃圾回收器释放，在工作中途消失。这一次它碰巧先完成了。</translation>
    </message>
    <message>
        <source>The fix: keep a reference until it is done: background.add(task); task.add_done_callback(background.discard), with a done callback that also logs task.exception(); await the ones still running before the program ends; or start them in a TaskGroup.</source>
        <translation>修正方法：在任务完成之前保留对它的引用：background.add(task); task.add_done_callback(background.discard)，并用一个完成回调记录 task.exception()；在程序结束前 await 仍在运行的任务；或者在 TaskGroup 中启动它们。</translation>
    </message>
    <message>
        <source>Tasks waited for {resource}{made} {total} in all: {share} of the time they lived.</source>
        <translation>任务总共等待 {resource}{made} {total}：占它们存活时间的 {share}。</translation>
    </message>
    <message>
        <source>A lock is held for everything done and awaited inside async with lock:, and it was held by {holders}.</source>
        <translation>在 async with lock: 里做的和 await 的一切都持有着锁，持有它的是 {holders}。</translation>
    </message>
    <message>
        <source>The fix: hold it for less: lock only the reading and writing of the shared state, and do the slow awaits (I/O, sleeps) outside the locked block. Tasks that hold one lock for all their work run one after another, as one task would.</source>
        <translation>修正方法：少持有一会儿：只在读写共享状态时加锁，把慢的 await（I/O、sleep）放到加锁的块之外。在整个工作期间都持有同一把锁的任务只能一个接一个地运行，就像只有一个任务一样。</translation>
    </message>
    <message>
        <source>A semaphore lets only {permits} tasks in at once, and all its permits were in use for {full}.</source>
        <translation>信号量一次只允许 {permits} 个任务进入，而它的所有许可被占满了 {full}。</translation>
    </message>
    <message>
        <source>If limiting them is the point (not to overload a server), the waiting sets the pace, as meant. If not: raise the limit, or hold a permit only around the work it limits.</source>
        <translation>如果限制并发正是目的（不让服务器过载），那么等待就是有意设定的节奏。如果不是：提高上限，或只在需要限制的工作周围持有许可。</translation>
    </message>
    <message>
        <source>Waiting for {resource} took {share} of its waiters&apos; time</source>
        <translation>等待 {resource} 占了等待者 {share} 的时间</translation>
    </message>
    <message>
        <source>{task} polled {count} times, doing almost nothing each time</source>
        <translation>{task} 轮询了 {count} 次，每次几乎什么都没做</translation>
    </message>
    <message>
        <source>{share} of the times {task} gave the loop back were a sleep(0) or a sleep of {tiny} or less ({bare} bare yields, {short} short sleeps), and it ran {mean} on average between them: it wakes, finds nothing to do and sleeps again, keeping the loop and a CPU busy while what it waits for happens elsewhere.</source>
        <translation>{task} 交还事件循环的次数中有 {share} 是 sleep(0) 或不超过 {tiny} 的 sleep（{bare} 次单纯让出，{short} 次短 sleep），两次之间平均只运行 {mean}：它醒来，发现无事可做，又睡下，在它等待的事情于别处发生时，让事件循环和一个 CPU 一直忙着。</translation>
    </message>
    <message>
        <source>The fix: wait for the thing itself: an asyncio.Event that whoever makes the change sets (await event.wait()), a Condition, a Queue or a future; if it must poll something outside the program, sleep longer between looks.</source>
        <translation>修正方法：直接等待那件事本身：由做出改变的一方设置的 asyncio.Event（await event.wait()）、Condition、Queue 或 future；如果必须轮询程序之外的东西，就在两次查看之间睡得久一些。</translation>
    </message>
    <message>
        <source>{tasks} tasks polled {count} times in all, doing almost nothing each time</source>
        <translation>{tasks} 个任务总共轮询了 {count} 次，每次几乎什么都没做</translation>
    </message>
    <message>
        <source>{tasks} tasks mostly gave the loop back with a sleep(0) or a sleep of {tiny} or less, and ran {mean} on average between looks ({task} the most often: {most} times): they wake, find nothing to do and sleep again, keeping the loop and a CPU busy while what they wait for happens elsewhere.</source>
        <translation>{tasks} 个任务大多用 sleep(0) 或不超过 {tiny} 的 sleep 交还事件循环，两次查看之间平均只运行 {mean}（最频繁的是 {task}：{most} 次）：它们醒来，发现无事可做，又睡下，在它们等待的事情于别处发生时，让事件循环和一个 CPU 一直忙着。</translation>
    </message>
    <message>
        <source>{label} at {site} ({seconds})</source>
        <translation>{label}，位置 {site}（{seconds}）</translation>
    </message>
    <message>
        <source>{task} waited {count} times in a row while the loop sat idle: {saving} to save</source>
        <translation>{task} 连续等待了 {count} 次，而事件循环一直空闲：本可节省 {saving}</translation>
    </message>
    <message>
        <source>{task} awaited {awaits} one after another, {total} in all, and nothing else ran meanwhile. Each await waits for the one before it to finish. If they do not depend on each other (the second needs nothing the first returned), they could overlap: started together, they would take as long as the longest, {saved} less.</source>
        <translation>{task} 一个接一个地 await 了 {awaits}，总共 {total}，这期间没有其他东西在运行。每个 await 都要等前一个完成。如果它们互不依赖（后一个不需要前一个返回的任何东西），它们就可以重叠：同时启动，只需最长那个的时间，少用 {saved}。</translation>
    </message>
    <message>
        <source>The fix, if they are independent: start them together, with asyncio.gather(a(), b()), a TaskGroup, or asyncio.create_task for each and await the tasks afterwards.</source>
        <translation>修正方法（如果它们互相独立）：同时启动它们，用 asyncio.gather(a(), b())、TaskGroup，或对每个调用 asyncio.create_task，之后再 await 这些任务。</translation>
    </message>
    <message>
        <source>{count} error</source>
        <translation>{count} 个错误</translation>
    </message>
    <message>
        <source>{count} errors</source>
        <translation>{count} 个错误</translation>
    </message>
    <message>
        <source>{count} warning</source>
        <translation>{count} 个警告</translation>
    </message>
    <message>
        <source>{count} warnings</source>
        <translation>{count} 个警告</translation>
    </message>
    <message>
        <source>{count} hint</source>
        <translation>{count} 个提示</translation>
    </message>
    <message>
        <source>{count} hints</source>
        <translation>{count} 个提示</translation>
    </message>
    <message>
        <source>no insights</source>
        <translation>没有发现问题</translation>
    </message>
</context>
<context>
    <name>InsightsPane</name>
    <message>
        <source>&amp;Insights pane</source>
        <translation>洞察窗格(&amp;I)</translation>
    </message>
    <message>
        <source>Show or hide the list of what went wrong in the run, under the chart</source>
        <translation>显示或隐藏图表下方的列表：这次运行中出了什么问题</translation>
    </message>
    <message>
        <source>What went wrong in the run, in time order: click one to see it on the chart</source>
        <translation>这次运行中出的问题，按时间排列：点击一项，在图表上看它</translation>
    </message>
    <message>
        <source>Run a scenario or open a trace: what went wrong is listed here.</source>
        <translation>运行一个场景或打开一个跟踪文件：出的问题会列在这里。</translation>
    </message>
    <message>
        <source>Nothing found so far.</source>
        <translation>到目前为止没有发现问题。</translation>
    </message>
    <message>
        <source>Looking for what went wrong in this run…</source>
        <translation>正在查找这次运行中出了什么问题…</translation>
    </message>
    <message>
        <source>The insights could not be worked out: {why}</source>
        <translation>无法得出洞察：{why}</translation>
    </message>
    <message>
        <source>Nothing found: none of what the insights look for happened in this run.</source>
        <translation>没有发现问题：这次运行中没有出现洞察所找的任何情况。</translation>
    </message>
    <message>
        <source>{t} s  {finding}</source>
        <translation>{t} 秒  {finding}</translation>
    </message>
    <message>
        <source>Choose an insight to see it on the chart, and why it happened.</source>
        <translation>选择一条洞察，在图表上看它，并了解它为什么发生。</translation>
    </message>
    <message>
        <source>{title} ({severity}, {start} s)</source>
        <translation>{title}（{severity}，{start} 秒）</translation>
    </message>
    <message>
        <source>Show {file}, line {line}</source>
        <translation>显示 {file} 第 {line} 行</translation>
    </message>
    <message>
        <source>Open lesson: {title}</source>
        <translation>打开课程：{title}</translation>
    </message>
</context>
<context>
    <name>InsightsWorker</name>
    <message>
        <source>an error came up while looking (said on stderr)</source>
        <translation>查找时出了错（详情见标准错误输出）</translation>
    </message>
    <message>
        <source>their process was stopped (signal {signal})</source>
        <translation>计算它们的进程被终止了（信号 {signal}）</translation>
    </message>
    <message>
        <source>their process failed (exit code {code})</source>
        <translation>计算它们的进程出错退出（退出码 {code}）</translation>
    </message>
</context>
<context>
    <name>LectureBar</name>
    <message>
        <source>Lecture</source>
        <translation>讲课</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Run until the next task step ends (S)</source>
        <translation>运行到下一个任务步结束 (S)</translation>
    </message>
    <message>
        <source>Step callback</source>
        <translation>单个回调</translation>
    </message>
    <message>
        <source>Run the next callback only (Shift+S)</source>
        <translation>只运行下一个回调 (Shift+S)</translation>
    </message>
    <message>
        <source>Slower</source>
        <translation>慢一点</translation>
    </message>
    <message>
        <source>Half the speed ([)</source>
        <translation>速度减半 ([)</translation>
    </message>
    <message>
        <source>Faster</source>
        <translation>快一点</translation>
    </message>
    <message>
        <source>Twice the speed (])</source>
        <translation>速度加倍 (])</translation>
    </message>
    <message>
        <source>The scenario&apos;s time per second on screen</source>
        <translation>屏幕上每一秒对应的示例时间</translation>
    </message>
    <message>
        <source>Run to</source>
        <translation>运行到</translation>
    </message>
    <message>
        <source>Run on until the scenario&apos;s time is this, then pause</source>
        <translation>一直运行到示例时间到达这里，然后暂停</translation>
    </message>
    <message>
        <source>lecture {speed}, finished</source>
        <translation>讲课 {speed}，已结束</translation>
    </message>
    <message>
        <source>lecture {speed}, paused at {t} s</source>
        <translation>讲课 {speed}，暂停于 {t} 秒</translation>
    </message>
    <message>
        <source>lecture {speed}</source>
        <translation>讲课 {speed}</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause or resume the scenario&apos;s time (Space)</source>
        <translation>暂停或继续示例的时间（空格键）</translation>
    </message>
</context>
<context>
    <name>Legend</name>
    <message>
        <source>woken by:</source>
        <translation>唤醒者：</translation>
    </message>
    <message>
        <source>created</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>error</source>
        <translation>出错</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>timer</source>
        <translation>定时器</translation>
    </message>
    <message>
        <source>I/O</source>
        <translation>I/O 事件</translation>
    </message>
    <message>
        <source>thread</source>
        <translation>线程</translation>
    </message>
    <message>
        <source>cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>note</source>
        <translation>标注</translation>
    </message>
    <message>
        <source>loop blocked</source>
        <translation>事件循环阻塞</translation>
    </message>
    <message>
        <source>forgotten</source>
        <translation>已释放的历史</translation>
    </message>
    <message>
        <source>in use</source>
        <translation>占用</translation>
    </message>
    <message>
        <source>resources:</source>
        <translation>资源：</translation>
    </message>
    <message>
        <source>full</source>
        <translation>已满</translation>
    </message>
    <message>
        <source>a task waits</source>
        <translation>任务开始等待</translation>
    </message>
    <message>
        <source>notify</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>挂起</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
</context>
<context>
    <name>Listening</name>
    <message>
        <source>&amp;Listen for programs...</source>
        <translation>监听程序(&amp;L)…</translation>
    </message>
    <message>
        <source>Show programs started elsewhere with python -m visualizer.attach PROGRAM.py (or visualizer.stream() in the program), live</source>
        <translation>实时显示在别处用 python -m visualizer.attach PROGRAM.py 启动的程序（或在程序中调用 visualizer.stream()）</translation>
    </message>
    <message>
        <source>Cannot listen on {address}</source>
        <translation>无法在 {address} 上监听</translation>
    </message>
    <message>
        <source>listening on {host}:{port}</source>
        <translation>正在监听 {host}:{port}</translation>
    </message>
    <message>
        <source>, {count} waiting</source>
        <translation>，{count} 个在等待</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Cannot load {scenario}</source>
        <translation>无法加载 {scenario}</translation>
    </message>
    <message>
        <source>Search scenarios</source>
        <translation>搜索示例</translation>
    </message>
    <message>
        <source>all tags</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <source>Show only the scenarios with this tag</source>
        <translation>只显示带有这个标签的示例</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Rerun</source>
        <translation>重新运行</translation>
    </message>
    <message>
        <source>Run the last run again: same scenario, parameters, clock</source>
        <translation>把上一次运行再跑一遍：相同的示例、参数和时钟</translation>
    </message>
    <message>
        <source>clock</source>
        <translation>时钟</translation>
    </message>
    <message>
        <source>real</source>
        <translation>真实</translation>
    </message>
    <message>
        <source>virtual</source>
        <translation>虚拟</translation>
    </message>
    <message>
        <source>ideal</source>
        <translation>理想</translation>
    </message>
    <message>
        <source>real: live, on this window&apos;s own event loop; virtual: recorded off it, idle waits skipped, then shown; ideal: as virtual, and steps take no time (time.sleep in a step still counts): the same picture every run; lecture: live on a clock you can slow down, pause and step</source>
        <translation>真实：在本窗口自己的事件循环上实时运行；虚拟：在它之外录制，跳过空闲等待，然后显示；理想：同虚拟，且每一步不占时间（步骤中的 time.sleep 仍然计时）：每次运行画面都相同；讲课：在一个可以放慢、暂停和单步执行的时钟上实时运行</translation>
    </message>
    <message>
        <source>Own process</source>
        <translation>独立进程</translation>
    </message>
    <message>
        <source>Run the scenario in a process of its own, streamed to this window: a program that spins, crashes or exits cannot take the window with it. Plain programs (asyncio.run(main()) files) always run so.</source>
        <translation>在独立的进程中运行示例，并实时传送到本窗口：程序空转、崩溃或退出都不会连累窗口。普通程序（以 asyncio.run(main()) 结尾的文件）总是这样运行。</translation>
    </message>
    <message>
        <source>Wake arrows</source>
        <translation>唤醒箭头</translation>
    </message>
    <message>
        <source>Creation arrows</source>
        <translation>创建箭头</translation>
    </message>
    <message>
        <source>Invalid parameter</source>
        <translation>参数无效</translation>
    </message>
    <message>
        <source>{scenario} failed</source>
        <translation>{scenario} 运行失败</translation>
    </message>
    <message>
        <source>starting {program}...</source>
        <translation>正在启动 {program}……</translation>
    </message>
    <message>
        <source>recording {scenario} on the {clock} clock...</source>
        <translation>正在用{clock}时钟录制 {scenario}……</translation>
    </message>
    <message>
        <source>{duration} ({clock} clock)</source>
        <translation>{duration}（{clock}时钟）</translation>
    </message>
    <message>
        <source>{tasks} tasks</source>
        <translation>{tasks} 个任务</translation>
    </message>
    <message>
        <source>{tasks} tasks, {live} live</source>
        <translation>{tasks} 个任务，{live} 个未结束</translation>
    </message>
    <message>
        <source>own process, pid {pid}</source>
        <translation>独立进程，pid {pid}</translation>
    </message>
    <message>
        <source>attached, pid {pid}</source>
        <translation>已连接，pid {pid}</translation>
    </message>
    <message>
        <source>{task} has held the loop for {seconds} s</source>
        <translation>{task} 已占用事件循环 {seconds} 秒</translation>
    </message>
    <message>
        <source>ready queue {count}</source>
        <translation>就绪队列 {count}</translation>
    </message>
    <message>
        <source>{count} events</source>
        <translation>{count} 个事件</translation>
    </message>
    <message>
        <source>{count} spans</source>
        <translation>{count} 个时段</translation>
    </message>
    <message>
        <source>{count} events dropped</source>
        <translation>丢弃了 {count} 个事件</translation>
    </message>
    <message>
        <source>kept from {time} s ({tasks} tasks before it let go)</source>
        <translation>从 {time} 秒起保留（之前的 {tasks} 个任务已释放）</translation>
    </message>
    <message>
        <source>repaired on reading: {what}</source>
        <translation>读取时已修复：{what}</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>ended: {error}</source>
        <translation>结束原因：{error}</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open trace...</source>
        <translation>打开追踪记录(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save trace...</source>
        <translation>保存追踪记录(&amp;S)…</translation>
    </message>
    <message>
        <source>Export chart as &amp;PNG...</source>
        <translation>将图表导出为 PNG(&amp;P)…</translation>
    </message>
    <message>
        <source>Export chart as S&amp;VG...</source>
        <translation>将图表导出为 SVG(&amp;V)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Fit all</source>
        <translation>显示全部(&amp;F)</translation>
    </message>
    <message>
        <source>Zoom &amp;in (time)</source>
        <translation>放大时间轴(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;out (time)</source>
        <translation>缩小时间轴(&amp;O)</translation>
    </message>
    <message>
        <source>Follow &amp;live</source>
        <translation>跟随实时运行(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Resource rows</source>
        <translation>资源行(&amp;R)</translation>
    </message>
    <message>
        <source>Rows under the tasks for the run&apos;s queues, semaphores, locks, events, conditions and barriers: how full, who holds them, who waits</source>
        <translation>任务下方为运行中的队列、信号量、锁、事件、条件和屏障各画一行：有多满、谁持有、谁在等待</translation>
    </message>
    <message>
        <source>asyncviz traces (*.json *.json.gz *.avz *.avzs *.asyncviz.zip);;All files (*)</source>
        <translation>asyncviz 追踪记录 (*.json *.json.gz *.avz *.avzs *.asyncviz.zip);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{name}, {clock} clock, {date}</source>
        <translation>{name}，{clock}时钟，{date}</translation>
    </message>
    <message>
        <source>&amp;Time cursor</source>
        <translation>时间光标(&amp;T)</translation>
    </message>
    <message>
        <source>A line to drag through a finished run: every task&apos;s state at that instant (T, or click the time axis)</source>
        <translation>一条可以在已结束的运行上拖动的线：显示每个任务在那一刻的状态（T，或点击时间轴）</translation>
    </message>
    <message>
        <source>Pause replay</source>
        <translation>暂停回放</translation>
    </message>
    <message>
        <source>&amp;Play from here</source>
        <translation>从这里播放(&amp;P)</translation>
    </message>
    <message>
        <source>Replay the run from the time cursor at the lecture&apos;s speed (P)</source>
        <translation>按讲课的速度从时间光标处回放这次运行 (P)</translation>
    </message>
    <message>
        <source>Cursor to the &amp;next change</source>
        <translation>光标移到下一个变化(&amp;N)</translation>
    </message>
    <message>
        <source>Cursor to the pre&amp;vious change</source>
        <translation>光标移到上一个变化(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Bigger text</source>
        <translation>放大文字(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Smaller text</source>
        <translation>缩小文字(&amp;S)</translation>
    </message>
    <message>
        <source>Lig&amp;ht theme</source>
        <translation>浅色主题(&amp;H)</translation>
    </message>
    <message>
        <source>High-&amp;contrast theme</source>
        <translation>高对比度主题(&amp;C)</translation>
    </message>
    <message>
        <source>Lan&amp;guage</source>
        <translation>语言 Language(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Dark theme</source>
        <translation>深色主题(&amp;D)</translation>
    </message>
    <message>
        <source>lecture</source>
        <translation>讲课</translation>
    </message>
    <message>
        <source>{program} (attached, pid {pid})

{argv}</source>
        <translation>{program}（已连接，pid {pid}）

{argv}</translation>
    </message>
    <message>
        <source>At {t} s: {states}</source>
        <translation>{t} 秒时：{states}</translation>
    </message>
    <message>
        <source>Open trace</source>
        <translation>打开追踪记录</translation>
    </message>
    <message>
        <source>Save trace</source>
        <translation>保存追踪记录</translation>
    </message>
    <message>
        <source>Export chart as {kind}</source>
        <translation>将图表导出为 {kind}</translation>
    </message>
    <message>
        <source>Cannot open {path}</source>
        <translation>无法打开 {path}</translation>
    </message>
    <message>
        <source>A run is going: stop it first.</source>
        <translation>正在运行：请先停止它。</translation>
    </message>
    <message>
        <source>A trace of {source}</source>
        <translation>{source} 的跟踪</translation>
    </message>
    <message>
        <source>A trace that names no program</source>
        <translation>未指明程序的跟踪</translation>
    </message>
    <message>
        <source>Cannot export the chart</source>
        <translation>无法导出图表</translation>
    </message>
    <message>
        <source>asyncio program</source>
        <translation>asyncio 程序</translation>
    </message>
    <message>
        <source>Show a file the trace names?</source>
        <translation>显示轨迹中提到的文件？</translation>
    </message>
    <message>
        <source>The trace names {path}, a file this window did not run. Show it?</source>
        <translation>轨迹提到了 {path}，这不是本窗口运行的文件。要显示它吗？</translation>
    </message>
    <message>
        <source>Cannot save {path}</source>
        <translation>无法保存 {path}</translation>
    </message>
</context>
<context>
    <name>Marks</name>
    <message>
        <source>warning at {t} s</source>
        <translation>{t} 秒时的警告</translation>
    </message>
    <message>
        <source>note at {t} s</source>
        <translation>{t} 秒时的标注</translation>
    </message>
</context>
<context>
    <name>NewScenarioDialog</name>
    <message>
        <source>New scenario</source>
        <translation>新建场景</translation>
    </message>
    <message>
        <source>Change...</source>
        <translation>更改…</translation>
    </message>
    <message>
        <source>Set by ${name}</source>
        <translation>由 ${name} 设定</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Template:</source>
        <translation>模板：</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>文件夹：</translation>
    </message>
    <message>
        <source>Create and open</source>
        <translation>创建并打开</translation>
    </message>
    <message>
        <source>{file} is in the folder already: choose another name</source>
        <translation>文件夹里已经有 {file}：请换一个名称</translation>
    </message>
    <message>
        <source>{file}, titled “{title}”</source>
        <translation>{file}，标题为“{title}”</translation>
    </message>
    <message>
        <source>A scenario needs a name, such as {better}</source>
        <translation>场景需要一个名称，比如 {better}</translation>
    </message>
    <message>
        <source>Give the name without .py: {better}</source>
        <translation>名称不要带 .py：{better}</translation>
    </message>
    <message>
        <source>A name is letters, digits and _, not starting with a digit: try {better}</source>
        <translation>名称由字母、数字和 _ 组成，且不能以数字开头：试试 {better}</translation>
    </message>
    <message>
        <source>{name} is a Python keyword: try {better}</source>
        <translation>{name} 是 Python 关键字：试试 {better}</translation>
    </message>
    <message>
        <source>A file whose name starts with _ is a helper, never listed: try {better}</source>
        <translation>名称以 _ 开头的文件是辅助文件，不会被列出：试试 {better}</translation>
    </message>
    <message>
        <source>{name} is a module of Python&apos;s standard library (the file would import itself): try {better}</source>
        <translation>{name} 是 Python 标准库的模块（这个文件会导入它自己）：试试 {better}</translation>
    </message>
    <message>
        <source>There is a scenario {name} already: try {better}</source>
        <translation>已经有一个名为 {name} 的场景了：试试 {better}</translation>
    </message>
    <message>
        <source>Not a name for a scenario: try {better}</source>
        <translation>这不能作为场景的名称：试试 {better}</translation>
    </message>
    <message>
        <source>Your scenario folder</source>
        <translation>你的场景文件夹</translation>
    </message>
</context>
<context>
    <name>Panes</name>
    <message>
        <source>Scenarios and &amp;lesson pane</source>
        <translation>场景与讲解窗格(&amp;L)</translation>
    </message>
    <message>
        <source>Show or hide the column of scenarios, lesson and parameters</source>
        <translation>显示或隐藏场景、讲解和参数这一栏</translation>
    </message>
    <message>
        <source>Details and so&amp;urce pane</source>
        <translation>详情与源代码窗格(&amp;U)</translation>
    </message>
    <message>
        <source>Show or hide the column of details and source</source>
        <translation>显示或隐藏详情和源代码这一栏</translation>
    </message>
</context>
<context>
    <name>ParamsForm</name>
    <message>
        <source>(no parameters)</source>
        <translation>（没有参数）</translation>
    </message>
</context>
<context>
    <name>Presenter</name>
    <message>
        <source>&amp;Presenter mode</source>
        <translation>演示模式(&amp;P)</translation>
    </message>
    <message>
        <source>Full screen, big type, high contrast. Keys: Space pause or resume, Right step, R rerun, + or - speed, 0 fit all, F full screen, Esc leave</source>
        <translation>全屏、大字号、高对比度。按键：空格 暂停或继续，右方向键 单步，R 重新运行，+ 或 - 调整速度，0 显示全部，F 全屏，Esc 退出</translation>
    </message>
    <message>
        <source>Pause or resume</source>
        <translation>暂停或继续</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Rerun</source>
        <translation>重新运行</translation>
    </message>
    <message>
        <source>Twice the speed</source>
        <translation>速度加倍</translation>
    </message>
    <message>
        <source>Half the speed</source>
        <translation>速度减半</translation>
    </message>
    <message>
        <source>Fit all</source>
        <translation>显示全部</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Leave presenter mode</source>
        <translation>退出演示模式</translation>
    </message>
</context>
<context>
    <name>ResourceRows</name>
    <message>
        <source>resources ({count})</source>
        <translation>资源（{count}）</translation>
    </message>
    <message>
        <source>not made yet</source>
        <translation>尚未创建</translation>
    </message>
    <message>
        <source>at {t} s: {state}</source>
        <translation>{t} 秒时：{state}</translation>
    </message>
    <message>
        <source>waiting: {tasks}</source>
        <translation>等待中：{tasks}</translation>
    </message>
    <message>
        <source>made at {site}</source>
        <translation>创建于 {site}</translation>
    </message>
    <message>
        <source>used by {count} tasks</source>
        <translation>被 {count} 个任务使用</translation>
    </message>
    <message>
        <source>Click: pick out the tasks that used it</source>
        <translation>点击：突出显示使用它的任务</translation>
    </message>
    <message>
        <source>Click: show the resources&apos; rows</source>
        <translation>点击：展开资源行</translation>
    </message>
    <message>
        <source>Click: fold the resources&apos; rows</source>
        <translation>点击：折叠资源行</translation>
    </message>
</context>
<context>
    <name>Resources</name>
    <message>
        <source>get</source>
        <translation>取出</translation>
    </message>
    <message>
        <source>put</source>
        <translation>放入</translation>
    </message>
    <message>
        <source>join</source>
        <translation>等待完成</translation>
    </message>
    <message>
        <source>{size} items</source>
        <translation>{size} 个条目</translation>
    </message>
    <message>
        <source>{size}/{most} full</source>
        <translation>{size}/{most} 已满</translation>
    </message>
    <message>
        <source>{size}/{most}</source>
        <translation>{size}/{most}</translation>
    </message>
    <message>
        <source>{free} of {permits} free</source>
        <translation>{permits} 个中空闲 {free} 个</translation>
    </message>
    <message>
        <source>{free} free</source>
        <translation>{free} 个空闲</translation>
    </message>
    <message>
        <source>free</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>held</source>
        <translation>被占用</translation>
    </message>
    <message>
        <source>held by {task}</source>
        <translation>被 {task} 占用</translation>
    </message>
    <message>
        <source>set</source>
        <translation>已设置</translation>
    </message>
    <message>
        <source>clear</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>{count} of {parties} arrived</source>
        <translation>{parties} 个中已到达 {count} 个</translation>
    </message>
    <message>
        <source>{state}, {count} waiting</source>
        <translation>{state}，{count} 个在等待</translation>
    </message>
    <message>
        <source>{resource} ({state})</source>
        <translation>{resource}（{state}）</translation>
    </message>
</context>
<context>
    <name>ScenarioBrowser</name>
    <message>
        <source>Scenario pack installed from {distribution} {version}</source>
        <translation>场景包，安装自 {distribution} {version}</translation>
    </message>
</context>
<context>
    <name>Sections</name>
    <message>
        <source>Basics: coroutines and tasks</source>
        <translation>基础：协程与任务</translation>
    </message>
    <message>
        <source>Waiting for tasks and their results</source>
        <translation>等待任务及其结果</translation>
    </message>
    <message>
        <source>Sharing and signalling</source>
        <translation>共享与同步</translation>
    </message>
    <message>
        <source>Cancellation, timeouts and task groups</source>
        <translation>取消、超时与任务组</translation>
    </message>
    <message>
        <source>Blocking work, threads and processes</source>
        <translation>阻塞工作、线程与进程</translation>
    </message>
    <message>
        <source>Beyond the basics</source>
        <translation>进阶</translation>
    </message>
    <message>
        <source>Your scenarios</source>
        <translation>你的示例</translation>
    </message>
    <message>
        <source>Your programs</source>
        <translation>你的程序</translation>
    </message>
</context>
<context>
    <name>Sharing</name>
    <message>
        <source>S&amp;hare scenario...</source>
        <translation>分享场景(&amp;H)…</translation>
    </message>
    <message>
        <source>Write the scenario, this run&apos;s trace and the chart&apos;s picture as one file that anyone can open here, or unzip</source>
        <translation>把场景、这次运行的追踪记录和图表的图片写成一个文件：别人可以在这里打开它，也可以直接解压</translation>
    </message>
    <message>
        <source>Save scenario &amp;as...</source>
        <translation>场景另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Keep the shared scenario&apos;s source as a .py file, to run it</source>
        <translation>把分享来的场景的源代码存为 .py 文件，以便运行它</translation>
    </message>
    <message>
        <source>Share scenario</source>
        <translation>分享场景</translation>
    </message>
    <message>
        <source>Shared scenarios (*{suffix});;All files (*)</source>
        <translation>分享的场景 (*{suffix});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot share {scenario}</source>
        <translation>无法分享 {scenario}</translation>
    </message>
    <message>
        <source>Shared {scenario} as {path}</source>
        <translation>已把 {scenario} 分享为 {path}</translation>
    </message>
    <message>
        <source>Shared in {file} (asyncviz {version}, the {clock} clock): its own source is shown, never run here. To run it: File &gt; Save scenario as...</source>
        <translation>分享自 {file}（asyncviz {version}，{clock}时钟）：显示的是它自带的源代码，在这里从未运行。要运行它：文件 &gt; 场景另存为…</translation>
    </message>
    <message>
        <source>Save scenario as</source>
        <translation>场景另存为</translation>
    </message>
    <message>
        <source>Python files (*.py)</source>
        <translation>Python 文件 (*.py)</translation>
    </message>
    <message>
        <source>Cannot save {path}</source>
        <translation>无法保存 {path}</translation>
    </message>
    <message>
        <source>Saved {path}: asyncviz gui {path} runs it</source>
        <translation>已保存 {path}：用 asyncviz gui {path} 运行它</translation>
    </message>
</context>
<context>
    <name>Statistics</name>
    <message>
        <source>Ready when the trace ended, for {seconds} so far (not counted above).</source>
        <translation>记录结束时仍处于就绪，到那时已等了 {seconds}（未计入上面）。</translation>
    </message>
    <message>
        <source>event loop: busy {share} of the run; steps p50 {step50}, p99 {step99}; ready tasks waited p50 {wait50}, p99 {wait99}</source>
        <translation>事件循环：运行期间 {share} 的时间在忙；每步 p50 {step50}，p99 {step99}；就绪任务等待 p50 {wait50}，p99 {wait99}</translation>
    </message>
    <message>
        <source>Steps (running): {count}, {total} in all</source>
        <translation>步（运行）：{count} 步，共 {total}</translation>
    </message>
    <message>
        <source>Steps (running): none</source>
        <translation>步（运行）：没有</translation>
    </message>
    <message>
        <source>Scheduled (ready, waiting for the loop): {count}, {total} in all</source>
        <translation>调度等待（就绪，等事件循环）：{count} 次，共 {total}</translation>
    </message>
    <message>
        <source>Scheduled (ready, waiting for the loop): none</source>
        <translation>调度等待（就绪，等事件循环）：没有</translation>
    </message>
    <message>
        <source>max</source>
        <translation>最长</translation>
    </message>
    <message>
        <source>The loop was busy {share} of the run: {steps} running steps, {callbacks} in callbacks that blocked it; idle {idle}.</source>
        <translation>事件循环在运行期间有 {share} 的时间在忙：运行各步 {steps}，阻塞它的回调 {callbacks}；空闲 {idle}。</translation>
    </message>
    <message>
        <source>The loop was busy {share} of the run: {steps} running steps; idle {idle}.</source>
        <translation>事件循环在运行期间有 {share} 的时间在忙：运行各步 {steps}；空闲 {idle}。</translation>
    </message>
    <message>
        <source>Busy over time, from the start to {end}:</source>
        <translation>忙碌程度随时间变化，从开始到 {end}：</translation>
    </message>
    <message>
        <source>Ready when the trace ended: {count} tasks, the longest for {seconds} so far (not counted above).</source>
        <translation>记录结束时仍处于就绪：{count} 个任务，最久的到那时已等了 {seconds}（未计入上面）。</translation>
    </message>
    <message>
        <source>The event loop, over the whole run</source>
        <translation>事件循环：整个运行</translation>
    </message>
</context>
<context>
    <name>TraceLoading</name>
    <message>
        <source>{name} holds {size} GB of trace data (uncompressed), over this window&apos;s limit of {limit} GB: loading it would take about {need} GB of memory.

To open it anyway, start asyncviz with the environment variable ASYNCVIZ_MAX_TRACE set to a larger number of bytes, e.g. ASYNCVIZ_MAX_TRACE={suggest}.</source>
        <translation>{name} 含 {size} GB 的跟踪数据（未压缩），超过本窗口 {limit} GB 的上限：加载它约需 {need} GB 内存。

仍要打开：启动 asyncviz 前把环境变量 ASYNCVIZ_MAX_TRACE 设为更大的字节数，例如 ASYNCVIZ_MAX_TRACE={suggest}。</translation>
    </message>
    <message>
        <source>Reading {name}...</source>
        <translation>正在读取 {name}...</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Opening a trace</source>
        <translation>正在打开追踪记录</translation>
    </message>
    <message>
        <source>The loader ended without a trace (exit code {code}). {said}</source>
        <translation>加载进程没有给出追踪记录就结束了（退出码 {code}）。{said}</translation>
    </message>
    <message>
        <source>Reading {name}: {done} of {total} MB</source>
        <translation>正在读取 {name}：{done} / {total} MB</translation>
    </message>
    <message>
        <source>Decoding and checking {name}...</source>
        <translation>正在解码并检查 {name}...</translation>
    </message>
    <message>
        <source>Receiving {name}: {done} of {total} tasks</source>
        <translation>正在接收 {name}：{done} / {total} 个任务</translation>
    </message>
    <message>
        <source>Drawing {count} tasks...</source>
        <translation>正在绘制 {count} 个任务...</translation>
    </message>
</context>
</TS>
