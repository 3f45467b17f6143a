import { useEffect, useState } from "preact/hooks";
import { fileUrl, post } from "../api";
import { fmtCode, fmtDate, fmtDateTime, fmtInstantDate, t, word } from "../i18n";
import { href } from "../router";
import type { Card, Me } from "../types";
import { ErrorBox, errorText, Field, Loading, Modal, Row, StatusBadge, toast, UrgencyBadge, useApi } from "../ui";

/** A protected photo or voice note, loaded with the session (blob URL). */
function Media({ path, kind, label }: { path: string; kind: "photo" | "voice"; label: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let alive = true;
    let made: string | null = null;
    fileUrl(path).then(
      (u) => {
        made = u;
        if (alive) setUrl(u);
        else URL.revokeObjectURL(u);
      },
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [path]);
  if (failed) return <span class="media-missing">{t("dashboard.card.media_unavailable")}</span>;
  if (!url) return <span class="media-loading">{t("dashboard.loading")}</span>;
  if (kind === "voice") return <audio controls src={url} aria-label={label} />;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" class="thumb">
      <img src={url} alt={label} loading="lazy" />
    </a>
  );
}

function list(ns: string, codes: string[], other?: string | null): string {
  const words = codes.map((c) => word(ns, c));
  if (other) words.push(other);
  return words.length === 0 ? "–" : words.join(", ");
}

function StatusDialog({ card, me, onDone, onClose }: { card: Card; me: Me; onDone: () => void; onClose: () => void }) {
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [step, setStep] = useState<"pick" | "confirm">("pick");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const option = card.actions.statuses.find((s) => s.to === to);
  const reasonOk = !option?.reasonRequired || (reason.trim().length >= 3 && reason.trim().length <= me.config.maxReason);
  const submit = async () => {
    if (!to) return;
    setBusy(true);
    setErr(null);
    try {
      await post(`households/${card.id}/status`, { from: card.status, to, reason: reason.trim() || null });
      toast(t("dashboard.card.status_done", { from: word("vocab.status", card.status), to: word("vocab.status", to) }));
      onDone();
    } catch (e) {
      setErr(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal title={t("dashboard.card.change_status")} onClose={onClose}>
      {step === "pick" ? (
        <>
          <p>{t("dashboard.card.status_now", { status: word("vocab.status", card.status) })}</p>
          <fieldset class="options">
            <legend>{t("dashboard.card.status_pick")}</legend>
            {card.actions.statuses.map((s) => (
              <label key={s.to} class="option">
                <input type="radio" name="to" value={s.to} checked={to === s.to} onChange={() => setTo(s.to)} />
                <span>{word("vocab.status", s.to)}</span>
                {s.reasonRequired && <span class="hint"> · {t("dashboard.card.reason_required")}</span>}
              </label>
            ))}
          </fieldset>
          {option?.reasonRequired && (
            <Field label={t("dashboard.card.reason_label")}>
              <textarea
                name="reason"
                rows={3}
                maxLength={me.config.maxReason}
                value={reason}
                onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
              />
            </Field>
          )}
          <div class="dialog-actions">
            <button type="button" class="btn secondary" onClick={onClose}>
              {t("dashboard.cancel")}
            </button>
            <button type="button" class="btn" disabled={!to || !reasonOk} onClick={() => setStep("confirm")}>
              {t("dashboard.continue")}
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            {t("dashboard.card.status_confirm", {
              code: fmtCode(card.refCode),
              from: word("vocab.status", card.status),
              to: word("vocab.status", to ?? ""),
            })}
          </p>
          {reason.trim() && <blockquote>{reason.trim()}</blockquote>}
          <p class="hint">{t("dashboard.card.audit_note")}</p>
          {err && <p class="error-text">{err}</p>}
          <div class="dialog-actions">
            <button type="button" class="btn secondary" onClick={() => setStep("pick")} disabled={busy}>
              {t("dashboard.back")}
            </button>
            <button type="button" class="btn" onClick={() => void submit()} disabled={busy}>
              {t("dashboard.card.status_apply")}
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}

function ReassignDialog({ card, onDone, onClose }: { card: Card; onDone: () => void; onClose: () => void }) {
  const [q, setQ] = useState("");
  const [query, setQuery] = useState("");
  const [pick, setPick] = useState<{ id: number; name: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setQuery(q), 300);
    return () => clearTimeout(timer);
  }, [q]);
  const candidates = useApi<{ rows: { id: number; name: string | null; households: number }[] }>(`households/${card.id}/candidates`, { q: query });
  const submit = async () => {
    if (!pick) return;
    setBusy(true);
    setErr(null);
    try {
      await post(`households/${card.id}/reassign`, { from: card.volunteer?.id ?? null, to: pick.id });
      toast(t("dashboard.card.reassign_done", { name: pick.name ?? "–" }));
      onDone();
    } catch (e) {
      setErr(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal title={t("dashboard.card.reassign")} onClose={onClose}>
      {pick === null ? (
        <>
          <p>{t("dashboard.card.reassign_now", { name: card.volunteer?.name ?? t("dashboard.card.nobody") })}</p>
          <Field label={t("dashboard.card.reassign_search")}>
            <input type="search" value={q} maxLength={40} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </Field>
          {candidates.loading && <Loading />}
          {candidates.data && candidates.data.rows.length === 0 && <p class="empty">{t("dashboard.card.reassign_none")}</p>}
          <ul class="pick-list">
            {(candidates.data?.rows ?? []).map((v) => (
              <li key={v.id}>
                <button type="button" class="btn secondary wide" onClick={() => setPick({ id: v.id, name: v.name })}>
                  {v.name ?? "–"} <span class="hint">{t("dashboard.card.reassign_load", { n: v.households })}</span>
                </button>
              </li>
            ))}
          </ul>
          <div class="dialog-actions">
            <button type="button" class="btn secondary" onClick={onClose}>
              {t("dashboard.cancel")}
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            {t("dashboard.card.reassign_confirm", {
              code: fmtCode(card.refCode),
              from: card.volunteer?.name ?? t("dashboard.card.nobody"),
              to: pick.name ?? "–",
            })}
          </p>
          <p class="hint">{t("dashboard.card.reassign_note")}</p>
          {err && <p class="error-text">{err}</p>}
          <div class="dialog-actions">
            <button type="button" class="btn secondary" onClick={() => setPick(null)} disabled={busy}>
              {t("dashboard.back")}
            </button>
            <button type="button" class="btn" onClick={() => void submit()} disabled={busy}>
              {t("dashboard.card.reassign_apply")}
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}

interface Revealed {
  nik: string | null;
  kk: string | null;
  members: { id: number; nik: string | null }[];
}

function RevealDialog({ card, onShown, onClose }: { card: Card; onShown: (r: Revealed) => void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const go = async () => {
    setBusy(true);
    try {
      onShown(await post<Revealed>(`households/${card.id}/reveal`));
    } catch (e) {
      setErr(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal title={t("dashboard.card.reveal_title")} onClose={onClose}>
      <p>{t("dashboard.card.reveal_confirm", { code: fmtCode(card.refCode) })}</p>
      {err && <p class="error-text">{err}</p>}
      <div class="dialog-actions">
        <button type="button" class="btn secondary" onClick={onClose} disabled={busy}>
          {t("dashboard.cancel")}
        </button>
        <button type="button" class="btn" onClick={() => void go()} disabled={busy}>
          {t("dashboard.card.reveal_apply")}
        </button>
      </div>
    </Modal>
  );
}

export function CardPage({ me, id }: { me: Me; id: number }) {
  const { data: card, error, reload } = useApi<Card>(`households/${id}`);
  const [dialog, setDialog] = useState<"status" | "reassign" | "reveal" | null>(null);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  useEffect(() => setRevealed(null), [id]);
  // Full numbers disappear again after a minute.
  useEffect(() => {
    if (!revealed) return;
    const timer = setTimeout(() => setRevealed(null), 60_000);
    return () => clearTimeout(timer);
  }, [revealed]);

  if (error && !card) return <ErrorBox error={error} onRetry={reload} />;
  if (!card) return <Loading />;
  const done = () => {
    setDialog(null);
    reload();
  };
  const memberNik = (mid: number, masked: string | null) => revealed?.members.find((m) => m.id === mid)?.nik ?? masked ?? "–";
  return (
    <section class="page card-page">
      <p>
        <a href={href("keluarga")} class="back" onClick={(e) => (history.length > 1 ? (e.preventDefault(), history.back()) : undefined)}>
          ← {t("dashboard.card.back")}
        </a>
      </p>
      <div class="page-head">
        <h1>
          <span class="mono">{fmtCode(card.refCode)}</span> · {card.anonymized ? t("dashboard.households.anonymized") : card.headName}
        </h1>
        <p>
          <StatusBadge status={card.status} /> {card.statusReason && <span class="hint">— {card.statusReason}</span>}
          {card.overdue && <span class="badge danger">{t("dashboard.households.overdue")}</span>}
        </p>
        <div class="actions">
          {card.actions.statuses.length > 0 && (
            <button type="button" class="btn" onClick={() => setDialog("status")}>
              {t("dashboard.card.change_status")}
            </button>
          )}
          {card.actions.reassign && (
            <button type="button" class="btn secondary" onClick={() => setDialog("reassign")}>
              {t("dashboard.card.reassign")}
            </button>
          )}
        </div>
      </div>

      <div class="two">
        <div class="panel">
          <h2>{t("dashboard.card.data")}</h2>
          <dl class="kvs">
            <Row label={t("dashboard.card.nik")}>
              <span class="mono">{revealed?.nik ?? card.nik ?? "–"}</span>
            </Row>
            <Row label={t("dashboard.card.kk")}>
              <span class="mono">{revealed?.kk ?? card.kk ?? "–"}</span>
            </Row>
            {card.actions.reveal && card.hasIdentity && !revealed && (
              <Row label="">
                <button type="button" class="btn link" onClick={() => setDialog("reveal")}>
                  {t("dashboard.card.reveal")}
                </button>
              </Row>
            )}
            {revealed && (
              <Row label="">
                <span class="hint">{t("dashboard.card.revealed_note")}</span>
              </Row>
            )}
            <Row label={t("dashboard.card.sex_birth")}>
              {word("vocab.sex", card.headSex)} · {fmtDate(card.headBirthDate)}
            </Row>
            <Row label={t("dashboard.card.address")}>
              {[card.address, card.rt || card.rw ? t("dashboard.card.rt_rw", { rt: card.rt ?? "–", rw: card.rw ?? "–" }) : null, card.village]
                .filter(Boolean)
                .join(", ")}
            </Row>
            <Row label={t("dashboard.card.location")}>
              {card.location ? (
                <a href={href("peta", null, { focus: card.id })}>{`${card.location.lat.toFixed(5)}, ${card.location.lon.toFixed(5)}`}</a>
              ) : (
                "–"
              )}
            </Row>
            <Row label={t("dashboard.card.members_count")}>{card.memberCount}</Row>
            <Row label={t("dashboard.card.ppks")}>{list("vocab.ppks", card.ppks)}</Row>
            <Row label={t("dashboard.card.desil")}>{card.desil ?? "–"}</Row>
            <Row label={t("dashboard.card.housing")}>{word("vocab.housing", card.housing)}</Row>
            <Row label={t("dashboard.card.programmes")}>{card.programmes.length ? list("vocab.programme", card.programmes, card.programmeOther) : word("vocab.programme", "none")}</Row>
            <Row label={t("dashboard.card.needs")}>{list("vocab.need", card.needs, card.needsOther)}</Row>
            <Row label={t("dashboard.card.volunteer")}>{card.volunteer?.name ?? t("dashboard.card.nobody")}</Row>
            <Row label={t("dashboard.card.dates")}>
              {t("dashboard.card.dates_value", {
                registered: fmtInstantDate(card.registeredAt),
                last: card.lastVisitAt ? fmtInstantDate(card.lastVisitAt) : t("dashboard.households.never_visited"),
                next: fmtDate(card.nextVisitDate),
              })}
            </Row>
          </dl>
        </div>
        <div class="panel">
          <h2>{t("dashboard.card.members")}</h2>
          {card.members.length === 0 ? (
            <p class="hint">{t("dashboard.card.no_members")}</p>
          ) : (
            <ul class="plain members">
              {card.members.map((m) => (
                <li key={m.id}>
                  <strong>{m.name}</strong> · {word("vocab.relationship", m.relationship)}
                  <span class="sub">
                    {word("vocab.sex", m.sex)} · {fmtDate(m.birthDate)} · <span class="mono">{memberNik(m.id, m.nik)}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
          {card.photos.length > 0 && (
            <>
              <h2>{t("dashboard.card.photos")}</h2>
              <div class="thumbs">
                {card.photos.map((p, i) => (
                  <Media key={p} path={`files/photo/${p}`} kind="photo" label={t("dashboard.card.photo_n", { n: i + 1 })} />
                ))}
              </div>
            </>
          )}
        </div>
      </div>

      <div class="panel">
        <h2>{t("dashboard.card.visits", { n: card.visitCount })}</h2>
        {card.visits.length === 0 ? (
          <p class="hint">{t("dashboard.card.no_visits")}</p>
        ) : (
          <ol class="timeline">
            {card.visits.map((v) => (
              <li key={v.id} class={`visit urgency-${v.urgency}`}>
                <div class="visit-head">
                  <strong>{fmtDate(v.visitedOn)}</strong> <UrgencyBadge urgency={v.urgency} />
                  <span class="hint"> · {v.volunteer ?? "–"}</span>
                </div>
                <dl class="kvs compact">
                  <Row label={t("dashboard.card.visit_purpose")}>{word("vocab.purpose", v.purpose)}</Row>
                  <Row label={t("dashboard.card.visit_intervention")}>{word("vocab.intervention", v.intervention)}</Row>
                  <Row label={t("dashboard.card.visit_conditions")}>{list("visit.condition", v.conditions)}</Row>
                  {v.conditionNote && <Row label={t("dashboard.card.visit_note")}>{v.conditionNote}</Row>}
                  {v.helpGiven && <Row label={t("dashboard.card.visit_help")}>{v.helpGiven}</Row>}
                  <Row label={t("dashboard.card.visit_referral")}>
                    {v.referral ? word("visit.referral", v.referral) : t("dashboard.card.no_referral")}
                    {v.referralNote ? ` — ${v.referralNote}` : ""}
                  </Row>
                  <Row label={t("dashboard.card.visit_next")}>{v.followUp ? fmtDate(v.nextVisitDate) : t("dashboard.card.no_follow_up")}</Row>
                  <Row label={t("dashboard.card.visit_written")}>{fmtDateTime(v.writtenAt)}</Row>
                </dl>
                {v.media.length > 0 && (
                  <div class="thumbs">
                    {v.media.map((m, i) => (
                      <Media key={m.id} path={`files/media/${m.id}`} kind={m.kind} label={t(m.kind === "voice" ? "dashboard.card.voice_n" : "dashboard.card.photo_n", { n: i + 1 })} />
                    ))}
                  </div>
                )}
              </li>
            ))}
          </ol>
        )}
        {card.visitCount > card.visits.length && <p class="hint">{t("dashboard.card.more_visits", { n: card.visitCount - card.visits.length })}</p>}
      </div>

      <div class="panel">
        <h2>{t("dashboard.card.history")}</h2>
        <ol class="history">
          {card.history.map((h) => (
            <li key={h.id}>
              <span class="when">{fmtDateTime(h.at)}</span>{" "}
              {h.from ? t("dashboard.card.history_change", { from: word("vocab.status", h.from), to: word("vocab.status", h.to) }) : t("dashboard.card.history_first", { to: word("vocab.status", h.to) })}
              <span class="hint"> · {h.by ?? "–"}</span>
              {h.reason && <blockquote>{h.reason}</blockquote>}
            </li>
          ))}
        </ol>
      </div>

      {dialog === "status" && <StatusDialog card={card} me={me} onDone={done} onClose={() => setDialog(null)} />}
      {dialog === "reassign" && <ReassignDialog card={card} onDone={done} onClose={() => setDialog(null)} />}
      {dialog === "reveal" && (
        <RevealDialog
          card={card}
          onClose={() => setDialog(null)}
          onShown={(r) => {
            setRevealed(r);
            setDialog(null);
          }}
        />
      )}
    </section>
  );
}
