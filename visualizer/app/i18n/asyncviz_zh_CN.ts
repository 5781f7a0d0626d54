<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Details</name>
    <message>
        <source>ready</source>
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
        <source>task {id}</source>
        <translation>任务 {id}</translation>
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
</context>
<context>
    <name>GanttView</name>
    <message>
        <source>time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>event loop</source>
        <translation>事件循环</translation>
    </message>
    <message>
        <source>thread {name}</source>
        <translation>线程 {name}</translation>
    </message>
    <message>
        <source>process pool {n}</source>
        <translation>进程池 {n}</translation>
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
        <source>woken by timer</source>
        <translation>由定时器唤醒</translation>
    </message>
    <message>
        <source>woken by io</source>
        <translation>由 I/O 唤醒</translation>
    </message>
    <message>
        <source>woken by thread</source>
        <translation>由线程唤醒</translation>
    </message>
    <message>
        <source>cancelled by a timeout or callback</source>
        <translation>被超时或回调取消</translation>
    </message>
    <message>
        <source>woken by {what}</source>
        <translation>由{what}唤醒</translation>
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
        <source>woke</source>
        <translation>唤醒</translation>
    </message>
    <message>
        <source>a thread&apos;s job woke</source>
        <translation>线程作业唤醒</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
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
        <source>recording {scenario} on the virtual clock...</source>
        <translation>正在用虚拟时钟录制 {scenario}……</translation>
    </message>
    <message>
        <source>{scenario} failed</source>
        <translation>{scenario} 运行失败</translation>
    </message>
    <message>
        <source>{duration} (virtual)</source>
        <translation>{duration}（虚拟）</translation>
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
        <source>real: live, on this window&apos;s own event loop; virtual: recorded off it, idle waits skipped, then shown; lecture: live on a clock you can slow down, pause and step</source>
        <translation>真实：在本窗口自己的事件循环上实时运行；虚拟：在它之外录制，跳过空闲等待，然后显示；讲课：在一个可以放慢、暂停和单步执行的时钟上实时运行</translation>
    </message>
    <message>
        <source>asyncviz traces (*.json *.json.gz);;All files (*)</source>
        <translation>asyncviz 追踪记录 (*.json *.json.gz);;所有文件 (*)</translation>
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
    <name>ParamsForm</name>
    <message>
        <source>(no parameters)</source>
        <translation>（没有参数）</translation>
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
</context>
</TS>
