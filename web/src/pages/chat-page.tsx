/**
 * @module The chat with the orchestrator: conversations on the left, the messages (markdown with
 * code blocks), the answer streaming in as the team works, which agents are working on what,
 * and a composer that attaches text files. Sending creates the conversation when there is none.
 */
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  CloseButton,
  FileButton,
  Grid,
  Group,
  Loader,
  NavLink,
  Paper,
  ScrollArea,
  Spoiler,
  Stack,
  Text,
  Textarea,
  Title,
  Tooltip,
} from '@mantine/core';
import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api } from '../api/api-client';
import type { ChatMessage, Conversation } from '../api/api-types';
import { useApi } from '../api/use-api';
import {
  ATTACHMENT_EXTENSIONS,
  type Attachment,
  checkFile,
  checkMessage,
  checkText,
  MAX_MESSAGE_CHARS,
} from '../chat/attachments';
import {
  applyChatEvent,
  applyRunEvent,
  type ChatState,
  EMPTY_CHAT,
  type RunActivity,
  upsertMessage,
} from '../chat/chat-state';
import { ActionError, DataState, ErrorNotice, LoadingNotice } from '../components/data-state';
import { formatRelative, formatTime, humanize } from '../components/formatting';
import { MarkdownView } from '../components/markdown-view';
import { PageHeader } from '../components/page-header';
import { useSession } from '../session/session-context';
import { useStream } from '../stream/use-stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** While an answer is being written, the conversation is also refetched this often. */
const STREAMING_REFRESH_MS = 5000;

function ConversationList({
  current,
  reloadKey,
}: {
  current: string | undefined;
  reloadKey: number;
}) {
  const { can } = useSession();
  const [, navigate] = useLocation();
  const list = useApi<{ conversations: Conversation[] }>('/conversations');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const reload = list.reload;
  useEffect(() => {
    if (reloadKey > 0) void reload();
  }, [reloadKey, reload]);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<Conversation>('/conversations', { method: 'POST', body: {} });
      void list.reload();
      navigate(`/chat/${created.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="xs">
      <Group justify="space-between" mb="xs" px={4}>
        <Title order={2} size="h5">
          Conversations
        </Title>
        {can('operator') && (
          <Button
            size="compact-sm"
            variant="light"
            onClick={() => void create()}
            loading={busy}
            data-testid="chat-new"
          >
            New
          </Button>
        )}
      </Group>
      <ActionError error={error} />
      <DataState
        state={list}
        what="conversations"
        isEmpty={(d) => d.conversations.length === 0}
        emptyTitle="No conversations yet"
        emptyHint="Write a message to start one."
      >
        {(data) => (
          <ScrollArea.Autosize mah={{ base: 180, md: 'calc(100dvh - 260px)' }} type="auto">
            <nav aria-label="Conversations">
              {data.conversations.map((c) => (
                <NavLink
                  key={c.id}
                  component={Link}
                  href={`/chat/${c.id}`}
                  label={c.title}
                  description={formatRelative(c.updatedAt)}
                  active={c.id === current}
                  aria-current={c.id === current ? 'page' : undefined}
                  data-testid="chat-conversation"
                  data-conversation-id={c.id}
                />
              ))}
            </nav>
          </ScrollArea.Autosize>
        )}
      </DataState>
    </Card>
  );
}

function MessageBubble({
  message,
  progress,
}: {
  message: ChatMessage;
  progress: string | undefined;
}) {
  const mine = message.role === 'user';
  const streaming = message.status === 'streaming';
  return (
    <Group justify={mine ? 'flex-end' : 'flex-start'} wrap="nowrap">
      <Paper
        withBorder
        p="sm"
        radius="md"
        className="chat-bubble"
        bg={mine ? 'var(--mantine-primary-color-light)' : undefined}
        data-testid="chat-message"
        data-role={message.role}
        data-status={message.status}
        data-message-id={message.id}
        aria-busy={streaming}
      >
        <Group gap="xs" mb={4}>
          <Text size="xs" fw={600}>
            {mine ? (message.author?.replace(/^human:/, '') ?? 'You') : 'Orchestrator'}
          </Text>
          <Text size="xs" c="dimmed">
            {formatTime(message.createdAt)}
          </Text>
          {streaming && <Loader size={12} aria-label="Answer being written" />}
          {message.status === 'failed' && (
            <Badge size="xs" color="red">
              failed
            </Badge>
          )}
          {message.flags !== undefined && message.flags.length > 0 && (
            <Tooltip
              label={message.flags.map((f) => `${f.kind}: ${f.pattern} in ${f.where}`).join('\n')}
              multiline
              w={280}
            >
              <Badge
                size="xs"
                color="orange"
                variant="light"
                tabIndex={0}
                data-testid="chat-message-flags"
              >
                flagged ({message.flags.length})
              </Badge>
            </Tooltip>
          )}
        </Group>
        {mine ? (
          <>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {message.content}
            </Text>
            {(message.attachments ?? []).length > 0 && (
              <Group gap={4} data-testid="chat-message-attachments">
                {(message.attachments ?? []).map((file) => (
                  <Badge key={file.name} size="sm" variant="outline">
                    {file.name} ({Math.max(1, Math.round(file.bytes / 1024))} KB)
                  </Badge>
                ))}
              </Group>
            )}
          </>
        ) : streaming ? (
          <div data-testid="chat-progress">
            {progress === undefined || progress === '' ? (
              <Text size="sm" c="dimmed">
                The team is starting…
              </Text>
            ) : (
              <Text size="sm" c="dimmed" component="div">
                <MarkdownView text={noteLines(progress)} />
              </Text>
            )}
          </div>
        ) : (
          <>
            <MarkdownView text={message.content} />
            {progress !== undefined && progress !== '' && (
              <Spoiler maxHeight={0} showLabel="How the team worked" hideLabel="Hide" mt={4}>
                <Text size="sm" c="dimmed" component="div">
                  <MarkdownView text={noteLines(progress)} />
                </Text>
              </Spoiler>
            )}
          </>
        )}
      </Paper>
    </Group>
  );
}

function TeamActivity({ runs }: { runs: readonly RunActivity[] }) {
  const active = runs.filter(
    (r) => r.status === undefined || !['completed', 'failed', 'cancelled'].includes(r.status),
  );
  if (active.length === 0) return null;
  return (
    <Card withBorder padding="xs" data-testid="chat-team-activity" aria-live="polite">
      {active.map((run) => (
        <Stack key={run.runId} gap={4}>
          <Text size="xs" c="dimmed">
            Team {run.phase === undefined ? 'starting' : `phase: ${humanize(run.phase)}`}
          </Text>
          <Group gap={6}>
            {run.agents.length === 0 ? (
              <Text size="xs">No agent has been handed work yet.</Text>
            ) : (
              run.agents.map((a) => (
                <Tooltip key={`${a.agent}-${a.title}`} label={a.title} multiline w={260}>
                  <Badge
                    variant={a.status === 'working' ? 'filled' : 'light'}
                    color={
                      a.status === 'working' ? 'blue' : a.status === 'completed' ? 'green' : 'red'
                    }
                    leftSection={
                      a.status === 'working' ? <Loader size={8} color="white" /> : undefined
                    }
                    data-testid="chat-working-agent"
                    data-agent={a.agent}
                    data-status={a.status}
                    tabIndex={0}
                  >
                    {a.agent} · {a.role}
                  </Badge>
                </Tooltip>
              ))
            )}
          </Group>
        </Stack>
      ))}
    </Card>
  );
}

function PaperclipIcon() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
    </svg>
  );
}

/** Progress notes come one per line; markdown would run them into one paragraph. */
function noteLines(progress: string): string {
  return progress.replace(/\n(?!\n)/g, '  \n');
}

async function readAttachment(file: File, already: readonly Attachment[]): Promise<Attachment> {
  const problem = checkFile(file, already);
  if (problem !== undefined) throw new Error(problem);
  const content = await file.text();
  const binary = checkText(file.name, content);
  if (binary !== undefined) throw new Error(binary);
  return { name: file.name, size: file.size, content };
}

function Composer(props: {
  disabledReason: string | undefined;
  onSend: (content: string, attachments: Attachment[]) => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const resetFiles = useRef<() => void>(null);

  const attach = async (files: File[]) => {
    setError(undefined);
    let next = attachments;
    for (const file of files) {
      try {
        next = [...next, await readAttachment(file, next)];
      } catch (caught) {
        setError(caught);
      }
    }
    setAttachments(next);
    resetFiles.current?.();
  };

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const problem = checkMessage(text, attachments);
    if (problem !== undefined) {
      setError(new Error(problem));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSend(text, attachments);
      setText('');
      setAttachments([]);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  if (props.disabledReason !== undefined) {
    return (
      <Alert color="gray" data-testid="chat-readonly">
        {props.disabledReason}
      </Alert>
    );
  }

  return (
    <form onSubmit={(event) => void send(event)} data-testid="chat-form">
      <Stack gap={6}>
        {attachments.length > 0 && (
          <Group gap={6} data-testid="chat-attachments">
            {attachments.map((a) => (
              <Badge
                key={a.name}
                variant="outline"
                tt="none"
                rightSection={
                  <CloseButton
                    size="xs"
                    aria-label={`Remove ${a.name}`}
                    onClick={() => setAttachments((list) => list.filter((x) => x.name !== a.name))}
                  />
                }
              >
                {a.name} ({Math.ceil(a.size / 1024)} KiB)
              </Badge>
            ))}
          </Group>
        )}
        <Group align="flex-end" gap="xs" wrap="nowrap">
          <FileButton
            onChange={(files) => void attach(files)}
            accept={ATTACHMENT_EXTENSIONS.join(',')}
            multiple
            resetRef={resetFiles}
          >
            {(buttonProps) => (
              <Tooltip label={`Attach text files (${ATTACHMENT_EXTENSIONS.join(' ')})`}>
                <ActionIcon
                  {...buttonProps}
                  variant="default"
                  size="input-sm"
                  aria-label="Attach text files"
                  data-testid="chat-attach"
                >
                  <PaperclipIcon />
                </ActionIcon>
              </Tooltip>
            )}
          </FileButton>
          <Textarea
            aria-label="Message to the orchestrator"
            placeholder="Ask the team to do something…"
            title="Enter sends; Shift+Enter starts a new line"
            autosize
            minRows={1}
            maxRows={8}
            maxLength={MAX_MESSAGE_CHARS}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            onKeyDown={onKeyDown}
            style={{ flex: 1 }}
            data-testid="chat-input"
          />
          <Button type="submit" loading={busy} data-testid="chat-send">
            Send
          </Button>
        </Group>
        <ActionError error={error} />
      </Stack>
    </form>
  );
}

/** The chat page. */
export default function ChatPage() {
  const { can } = useSession();
  const params = useParams<{ id?: string }>();
  const id = params.id;
  const valid = id !== undefined && UUID.test(id);
  const [, navigate] = useLocation();
  const [chat, setChat] = useState<{ id: string | undefined; state: ChatState }>({
    id,
    state: EMPTY_CHAT,
  });
  const [runs, setRuns] = useState<Record<string, RunActivity>>({});
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [loaded, setLoaded] = useState(false);
  const [listKey, setListKey] = useState(0);
  const viewport = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    if (!valid || id === undefined) return;
    try {
      const answer = await api<{ conversation: Conversation; messages: ChatMessage[] }>(
        `/conversations/${id}`,
      );
      setChat((current) => {
        const base = current.id === id ? current.state : EMPTY_CHAT;
        let state: ChatState = { messages: [], progress: base.progress };
        for (const m of answer.messages) state = upsertMessage(state, m);
        return { id, state };
      });
      setLoadError(undefined);
    } catch (caught) {
      setLoadError(caught);
    } finally {
      setLoaded(true);
    }
  }, [id, valid]);

  useEffect(() => {
    setChat({ id, state: EMPTY_CHAT });
    setRuns({});
    setLoaded(false);
    setLoadError(undefined);
    void load();
  }, [id, load]);

  const runIds = useMemo(
    () => new Set(chat.state.messages.map((m) => m.runId).filter((r): r is string => r !== null)),
    [chat.state.messages],
  );
  const streaming = chat.state.messages.some((m) => m.status === 'streaming');

  useEffect(() => {
    if (!streaming) return;
    const timer = setInterval(() => void load(), STREAMING_REFRESH_MS);
    return () => clearInterval(timer);
  }, [streaming, load]);

  useStream(
    valid ? [`conversation:${id}`, 'runs'] : [],
    (event) => {
      if (event.channel === 'runs') {
        const runId = (event.data as { runId?: string }).runId;
        if (runId !== undefined && runIds.has(runId))
          setRuns((current) => applyRunEvent(current, event.data));
        return;
      }
      setChat((current) =>
        current.id === id
          ? { id, state: applyChatEvent(current.state, event.type, event.data) }
          : current,
      );
      if (event.type === 'message_complete') setListKey((k) => k + 1);
    },
    { onResync: () => void load() },
  );

  // Follow the conversation to its end while the reader is near the end.
  const count = chat.state.messages.length;
  const progressLength = Object.values(chat.state.progress).reduce((n, p) => n + p.length, 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when messages or progress grow
  useEffect(() => {
    const el = viewport.current;
    if (el === null) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 240) el.scrollTop = el.scrollHeight;
  }, [count, progressLength]);

  const send = async (content: string, attachments: Attachment[]) => {
    let conversationId = valid ? id : undefined;
    if (conversationId === undefined) {
      const created = await api<Conversation>('/conversations', { method: 'POST', body: {} });
      conversationId = created.id;
    }
    const answer = await api<{ message: ChatMessage; reply: ChatMessage }>(
      `/conversations/${conversationId}/messages`,
      {
        method: 'POST',
        body: {
          content,
          attachments: attachments.map((a) => ({ name: a.name, content: a.content })),
        },
      },
    );
    setListKey((k) => k + 1);
    if (conversationId !== id) {
      navigate(`/chat/${conversationId}`);
      return;
    }
    setChat((current) =>
      current.id === conversationId
        ? {
            id: conversationId,
            state: upsertMessage(upsertMessage(current.state, answer.message), answer.reply),
          }
        : current,
    );
  };

  const disabledReason = can('operator')
    ? undefined
    : 'You can read conversations; sending messages needs the operator role.';

  const messages = chat.id === id ? chat.state.messages : [];

  return (
    <>
      <PageHeader
        title="Chat"
        description="Give the team a job; the orchestrator plans it, hands it out and answers here."
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 3 }}>
          <ConversationList current={id} reloadKey={listKey} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <Stack gap="sm">
            {id !== undefined && !valid && (
              <ErrorNotice
                error={new Error(`“${id}” is not a conversation id.`)}
                what="the conversation"
              />
            )}
            {valid && !loaded && <LoadingNotice what="the conversation" />}
            {loadError !== undefined && (
              <ErrorNotice error={loadError} what="the conversation" onRetry={load} />
            )}
            <TeamActivity runs={Object.values(runs)} />
            <ScrollArea.Autosize
              mah="calc(100dvh - 330px)"
              mih={200}
              type="auto"
              viewportRef={viewport}
              data-testid="chat-messages"
              aria-label="Messages"
            >
              <Stack gap="sm" pr="sm">
                {messages.length === 0 && (valid ? loaded && loadError === undefined : true) && (
                  <Text c="dimmed" ta="center" py="xl" data-testid="chat-empty">
                    {valid
                      ? 'No messages yet. Say what the team should do.'
                      : 'Start a conversation: say what the team should do.'}
                  </Text>
                )}
                {messages.map((m) => (
                  <MessageBubble key={m.id} message={m} progress={chat.state.progress[m.id]} />
                ))}
              </Stack>
            </ScrollArea.Autosize>
            <Composer disabledReason={disabledReason} onSend={send} />
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
