/**
 * @module Sign in with email and password. The server sets an HttpOnly session cookie and
 * answers with the CSRF token; too many attempts are refused with a wait time, which is shown.
 */
import {
  Alert,
  Button,
  Center,
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

/** The login page. */
export function LoginPage({ reason }: { reason?: string | undefined }) {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = 'Sign in · Agentvisor';
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email.trim(), password);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400} component="main">
        <form onSubmit={(event) => void submit(event)} data-testid="login-form">
          <Stack>
            <Title order={1} size="h2">
              Sign in to Agentvisor
            </Title>
            {reason !== undefined && error === undefined && (
              <Alert color="yellow" data-testid="login-reason">
                {reason}
              </Alert>
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              data-testid="login-email"
              data-autofocus
              autoFocus
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              data-testid="login-password"
            />
            {error !== undefined && (
              <Alert color="red" role="alert" data-testid="login-error">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} data-testid="login-submit">
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              No account? An admin creates one in Settings, or with{' '}
              <code>agentvisor user create</code>.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
