/**
 * @module First run: no user exists yet, so the first admin is created here with the one-time
 * setup token that `agentvisor start` printed. There is no default password.
 */
import {
  Alert,
  Button,
  Center,
  Code,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { errorText } from '../api/api-client';
import { useSession } from '../session/session-context';

// The server refuses shorter ones (src/auth/password-hash.ts); saying so here saves a round trip.
const MIN_PASSWORD = 10;

/** The setup page. */
export function SetupPage() {
  const { setup } = useSession();
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = 'Set up · Agentvisor';
  }, []);

  const mismatch = confirm !== '' && confirm !== password;
  const tooShort = password !== '' && password.length < MIN_PASSWORD;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mismatch || tooShort) return;
    setBusy(true);
    setError(undefined);
    try {
      await setup(token.trim(), email.trim(), password);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={460} component="main">
        <form onSubmit={(event) => void submit(event)} data-testid="setup-form">
          <Stack>
            <Title order={1} size="h2">
              Set up Agentvisor
            </Title>
            <Text size="sm">
              Create the first administrator. The setup token was printed by{' '}
              <Code>agentvisor start</Code> when this node first started.
            </Text>
            <TextInput
              label="Setup token"
              required
              autoComplete="off"
              value={token}
              onChange={(event) => setToken(event.currentTarget.value)}
              data-testid="setup-token"
              autoFocus
            />
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              data-testid="setup-email"
            />
            <PasswordInput
              label="Password"
              description={`At least ${MIN_PASSWORD} characters.`}
              autoComplete="new-password"
              required
              value={password}
              error={tooShort ? `Use at least ${MIN_PASSWORD} characters.` : undefined}
              onChange={(event) => setPassword(event.currentTarget.value)}
              data-testid="setup-password"
            />
            <PasswordInput
              label="Repeat the password"
              autoComplete="new-password"
              required
              value={confirm}
              error={mismatch ? 'The passwords differ.' : undefined}
              onChange={(event) => setConfirm(event.currentTarget.value)}
              data-testid="setup-password-confirm"
            />
            {error !== undefined && (
              <Alert color="red" role="alert" data-testid="setup-error">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} data-testid="setup-submit">
              Create administrator
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
