import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";

type Qr = { url: string; png: string } | { url: string; failed: true };

/**
 * A QR code of a link, made when the user asks for it (the qrcode library is loaded then),
 * with a PNG download. It follows the link it is given (with its sub-IDs).
 */
export function QrCode({ url, fileName }: { url: string; fileName: string }) {
  const { t } = useTranslation("promoter");
  const [open, setOpen] = useState(false);
  const [qr, setQr] = useState<Qr | null>(null);
  const panel = useId();

  useEffect(() => {
    if (!open) return;
    let live = true;
    import("qrcode")
      .then((m) => m.toDataURL(url, { errorCorrectionLevel: "M", margin: 2, width: 320 }))
      .then(
        (png) => live && setQr({ url, png }),
        () => live && setQr({ url, failed: true }),
      );
    return () => {
      live = false;
    };
  }, [open, url]);

  const current = qr?.url === url ? qr : null;
  return (
    <div className="qr">
      <button
        type="button"
        className="btn btn-small"
        aria-expanded={open}
        aria-controls={panel}
        onClick={() => setOpen(!open)}
      >
        {open ? t("links.qr.hide") : t("links.qr.show")}
      </button>
      <div id={panel} hidden={!open} className="qr-panel">
        {open && current === null && (
          <p className="muted" aria-busy="true">
            {t("links.qr.making")}
          </p>
        )}
        {open && current && "failed" in current && (
          <p className="notice notice-error" role="alert">
            {t("links.qr.failed")}
          </p>
        )}
        {open && current && "png" in current && (
          <>
            <img
              src={current.png}
              alt={t("links.qr.alt", { url })}
              width={160}
              height={160}
              className="qr-image"
              data-testid="qr-image"
            />
            <a className="btn btn-small" href={current.png} download={fileName}>
              {t("links.qr.download")}
            </a>
          </>
        )}
      </div>
    </div>
  );
}
