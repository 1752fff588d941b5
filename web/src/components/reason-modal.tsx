/**
 * @module Every change a person makes is recorded in the ledger with their reason: this dialog
 * asks for it (required), runs the change, and shows the server's answer when it refuses.
 */
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { ActionError } from './data-state';

/** Props of {@link ReasonModal}. */
export interface ReasonModalProps {
  readonly opened: boolean;
  readonly title: string;
  readonly description?: ReactNode;
  readonly confirmLabel: string;
  readonly confirmColor?: string;
  /** Extra fields above the reason. */
  readonly children?: ReactNode;
  /** Prefix of the test ids: `<prefix>-reason`, `<prefix>-confirm`. */
  readonly testId?: string;
  readonly onClose: () => void;
  /** Runs the change; a thrown error is shown and the dialog stays open. */
  readonly onConfirm: (reason: string) => Promise<void>;
}

/** See the module comment. */
export function ReasonModal(props: ReasonModalProps) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const prefix = props.testId ?? 'reason';

  useEffect(() => {
    if (props.opened) {
      setReason('');
      setError(undefined);
    }
  }, [props.opened]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') {
      setError(new Error('Say why: the ledger records the reason with your name.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(reason.trim());
      props.onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="sm">
          {props.description !== undefined && <Text size="sm">{props.description}</Text>}
          {props.children}
          <Textarea
            label="Reason"
            description="Recorded in the ledger with your name."
            required
            autosize
            minRows={2}
            maxLength={2000}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            data-testid={`${prefix}-reason`}
            data-autofocus
          />
          <ActionError error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose} type="button">
              Cancel
            </Button>
            <Button
              type="submit"
              color={props.confirmColor ?? 'blue'}
              loading={busy}
              data-testid={`${prefix}-confirm`}
            >
              {props.confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
