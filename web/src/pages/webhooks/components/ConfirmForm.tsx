import { ConfirmForm as Confirm, type ConfirmFormProps } from "../../../components/ConfirmForm";
import { WebhookError } from "./WebhookError";

/** A confirmation dialog's inside, saying the API's refusals in this page's words. */
export function ConfirmForm(props: Omit<ConfirmFormProps, "errorView">) {
  return <Confirm {...props} errorView={WebhookError} />;
}
