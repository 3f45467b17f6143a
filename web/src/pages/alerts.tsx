import { useState } from "preact/hooks";
import { post } from "../api";
import { appNow, fmtAge, fmtCode, fmtDate, fmtDateTime, fmtNumber, t, word } from "../i18n";
import { href } from "../router";
import type { AlertRow, Me } from "../types";
import { ErrorBox, errorText, Field, Loading, Modal, toast, useApi } from "../ui";

function ResolveDialog({ alert, me, onDone, onClose }: { alert: AlertRow; me: Me; onDone: () => void; onClose: () => void }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const ok = note.trim().length >= 3 && note.trim().length <= me.config.maxNote;
  const submit = async () => {
    setBusy(true);
    setErr(null);
    try {
      await post(`alerts/${alert.id}/resolve`, { note: note.trim() });
      toast(t("dashboard.alerts.resolved", { id: alert.id }));
      onDone();
    } catch (e) {
      setErr(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal title={t("dashboard.alerts.resolve_title", { id: alert.id })} onClose={onClose}>
      <p>{t("dashboard.alerts.resolve_help", { code: fmtCode(alert.refCode) })}</p>
      <Field label={t("dashboard.alerts.note_label")}>
        <textarea name="note" rows={4} maxLength={me.config.maxNote} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      </Field>
      {!ok && note.length > 0 && <p class="hint">{t("dashboard.alerts.note_short")}</p>}
      <p class="hint">{t("dashboard.alerts.chat_updated")}</p>
      {err && <p class="error-text">{err}</p>}
      <div class="dialog-actions">
        <button type="button" class="btn secondary" onClick={onClose} disabled={busy}>
          {t("dashboard.cancel")}
        </button>
        <button type="button" class="btn" disabled={!ok || busy} onClick={() => void submit()}>
          {t("dashboard.alerts.resolve_apply")}
        </button>
      </div>
    </Modal>
  );
}

export function AlertsPage({ me }: { me: Me }) {
  const { data, error, loading, reload } = useApi<{ total: number; rows: AlertRow[] }>("alerts");
  const [resolving, setResolving] = useState<AlertRow | null>(null);
  const [acking, setAcking] = useState<AlertRow | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const now = appNow();
  const ack = async (a: AlertRow) => {
    setBusy(a.id);
    try {
      await post(`alerts/${a.id}/ack`);
      toast(t("dashboard.alerts.acknowledged", { id: a.id }));
    } catch (e) {
      toast(errorText(e), "error");
    } finally {
      setBusy(null);
      setAcking(null);
      reload();
    }
  };
  return (
    <section class={loading ? "page busy" : "page"} aria-busy={loading}>
      <div class="page-head">
        <h1>{t("dashboard.alerts.title")}</h1>
        <p class="hint">{t("dashboard.alerts.count", { n: fmtNumber(data.total) })}</p>
      </div>
      {data.rows.length === 0 ? (
        <p class="empty">{t("dashboard.alerts.none")}</p>
      ) : (
        <ul class="alerts">
          {data.rows.map((a) => (
            <li key={a.id} class={`alert-card ${a.status}`}>
              <div class="alert-head">
                <strong>{t("dashboard.alerts.item_title", { id: a.id })}</strong>
                <span class="badge danger">{word("vocab.urgency", "darurat")}</span>
                {a.escalated && <span class="badge warn">{t("dashboard.alerts.escalated")}</span>}
                <span class="hint">{t("dashboard.alerts.age", { age: fmtAge(now - new Date(a.createdAt).getTime()) })}</span>
              </div>
              <p>
                <a href={href("keluarga", a.householdId)} class="mono">
                  {fmtCode(a.refCode)}
                </a>{" "}
                · {a.headName} · {a.village}
              </p>
              <p class="hint">
                {t("dashboard.alerts.reported", { name: a.volunteer ?? "–", date: fmtDate(a.visitedOn) })}
                {a.conditions.length > 0 && ` · ${a.conditions.map((c) => word("visit.condition", c)).join(", ")}`}
              </p>
              <p class="alert-status">
                {a.status === "open"
                  ? t("dashboard.alerts.status_open")
                  : t("dashboard.alerts.status_ack", { name: a.acknowledgedBy ?? "–", when: fmtDateTime(a.acknowledgedAt) })}
              </p>
              <div class="actions">
                {a.status === "open" && (
                  <button type="button" class="btn" disabled={busy === a.id} onClick={() => setAcking(a)}>
                    {t("dashboard.alerts.ack")}
                  </button>
                )}
                <button type="button" class="btn secondary" onClick={() => setResolving(a)}>
                  {t("dashboard.alerts.resolve")}
                </button>
                <a class="btn link" href={href("keluarga", a.householdId)}>
                  {t("dashboard.alerts.open_card")}
                </a>
              </div>
            </li>
          ))}
        </ul>
      )}
      {acking && (
        <Modal title={t("dashboard.alerts.ack_title", { id: acking.id })} onClose={() => setAcking(null)}>
          <p>{t("dashboard.alerts.ack_confirm", { code: fmtCode(acking.refCode) })}</p>
          <p class="hint">{t("dashboard.alerts.chat_updated")}</p>
          <div class="dialog-actions">
            <button type="button" class="btn secondary" onClick={() => setAcking(null)}>
              {t("dashboard.cancel")}
            </button>
            <button type="button" class="btn" disabled={busy !== null} onClick={() => void ack(acking)}>
              {t("dashboard.alerts.ack_apply")}
            </button>
          </div>
        </Modal>
      )}
      {resolving && (
        <ResolveDialog
          alert={resolving}
          me={me}
          onClose={() => setResolving(null)}
          onDone={() => {
            setResolving(null);
            reload();
          }}
        />
      )}
    </section>
  );
}
