;;; evalens-results.el --- Result overlays of evalens, and stale results  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; A run's Result is shown after its code, at the end of a line, as an
;; overlay: `⇒ value', `✓' (no value) or `✗ Type: message', in one line of
;; at most `evalens-max-width' characters (the rule every evalens client
;; follows).  A Result whose run re-ran or patched code to bring it up to
;; date makes every result shown before it, in every buffer, stale:
;; " (stale)" after it, in `evalens-stale-face', until its code runs again.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defvar evalens-max-width)              ; evalens.el

(defface evalens-value-face '((t :inherit shadow))
  "Face of a result overlay."
  :group 'evalens)

(defface evalens-error-face '((t :inherit error))
  "Face of an error overlay."
  :group 'evalens)

(defface evalens-interrupted-face '((t :inherit font-lock-comment-face))
  "Face of a run you interrupted (\"✗ KeyboardInterrupt\").
Not an error in the code: neutral, unlike `evalens-error-face'."
  :group 'evalens)

(defface evalens-pending-face '((t :inherit shadow :slant italic))
  "Face of the marker shown while code runs."
  :group 'evalens)

(defface evalens-stale-face '((t :inherit shadow :slant italic))
  "Face of a result that may be out of date.
A later run re-ran or patched code it may have used."
  :group 'evalens)

(defconst evalens-value-glyph "⇒" "Before a value in a result overlay.")
(defconst evalens-done-glyph "✓"
  "A run that finished without a value.
What it printed is output, not the result.")
(defconst evalens-failed-glyph "✗" "Before a failure in a result overlay.")
(defconst evalens-stale-suffix " (stale)"
  "After the text of a result shown before a run that brought code up to date.")

(defvar evalens--generation 0
  "How many runs so far brought code up to date.
A result from before the last of them is stale.")

(defun evalens--one-line (text)
  "TEXT in one line of at most `evalens-max-width' characters.
ASCII whitespace runs fold to one space, the ends are trimmed, and longer
text keeps `evalens-max-width' - 1 characters and an ellipsis: the rule
every evalens client follows (tests/fixtures/inline_results.json)."
  (let* ((folded (replace-regexp-in-string "[ \t\n\r\f\v]+" " " (or text "") t t))
         (line (string-trim folded " " " ")))
    (if (> (length line) evalens-max-width)
        (concat (substring line 0 (1- evalens-max-width)) "…")
      line)))

(defun evalens-describe (result)
  "The overlay text and face for RESULT (a Result plist).
`⇒ repr' for a value, `✓' for a run without one, `✗ Type: message'
for a failure (`✗ KeyboardInterrupt' in `evalens-interrupted-face': an
interrupt is not an error in the code)."
  (cond ((or (null result) (eq (plist-get result :ok) t))
         (let ((value (plist-get result :value)))
           (if value
               (cons (concat evalens-value-glyph " " (evalens--one-line (plist-get value :repr)))
                     'evalens-value-face)
             (cons evalens-done-glyph 'evalens-value-face))))
        (t
         (let* ((err (plist-get result :error))
                (type (plist-get err :type))
                (type (if (or (not (stringp type)) (string-empty-p type)) "Error" type))
                (message (or (plist-get err :message) "")))
           (cons (concat evalens-failed-glyph " "
                         (evalens--one-line (if (string-empty-p message) type (concat type ": " message))))
                 (if (equal type "KeyboardInterrupt") 'evalens-interrupted-face 'evalens-error-face))))))

(defun evalens--overlays-on-line (pos)
  (save-excursion
    (goto-char pos)
    (cl-remove-if-not (lambda (ov) (overlay-get ov 'evalens))
                      (overlays-in (line-beginning-position) (1+ (line-end-position))))))

(defun evalens--set-text (ov text face)
  "Make the overlay OV show TEXT in FACE."
  (overlay-put ov 'evalens-text text)
  (overlay-put ov 'evalens-face face)
  (overlay-put ov 'after-string (concat " " (propertize text 'face face))))

(defun evalens--show (pos text face)
  "Show TEXT in FACE at the end of the line holding POS; return the overlay."
  (save-excursion
    (goto-char pos)
    (mapc #'delete-overlay (evalens--overlays-on-line pos))
    (let ((ov (make-overlay (line-end-position) (line-end-position) nil t nil)))
      (overlay-put ov 'evalens t)
      (evalens--set-text ov text face)
      ov)))

(defun evalens-reloads-code-p (result)
  "Non-nil when RESULT's run brought code up to date by running or patching some.
That is an entry of its `reloaded' (any module) with `patched' or `rerun'."
  (cl-some (lambda (entry)
             (or (> (length (plist-get entry :patched)) 0)
                 (> (length (plist-get entry :rerun)) 0)))
           (and (listp result) (plist-get result :reloaded))))

(defun evalens--mark-stale ()
  "Make every result shown, in every buffer, stale.
The marker of a run in progress stays as it is."
  (dolist (buffer (buffer-list))
    (with-current-buffer buffer
      (save-restriction
        (widen)
        (dolist (ov (overlays-in (point-min) (point-max)))
          (when (and (overlay-get ov 'evalens)
                     (not (memq (overlay-get ov 'evalens-face) '(evalens-pending-face evalens-stale-face))))
            (evalens--set-text ov (concat (overlay-get ov 'evalens-text) evalens-stale-suffix)
                               'evalens-stale-face)))))))

(defun evalens--arrived (result)
  "RESULT arrived: if its run brought code up to date, results shown go stale.
Return the generation it arrived in: it is shown stale if a later run
brought code up to date before it is shown."
  (when (evalens-reloads-code-p result)
    (setq evalens--generation (1+ evalens--generation))
    (evalens--mark-stale))
  evalens--generation)

(defun evalens--show-result (pos result generation)
  "Show RESULT at the end of the line of POS.
It is stale if it arrived in a GENERATION before the last."
  (let ((shown (evalens-describe result)))
    (if (< generation evalens--generation)
        (evalens--show pos (concat (car shown) evalens-stale-suffix) 'evalens-stale-face)
      (evalens--show pos (car shown) (cdr shown)))))

(defun evalens-result-at (pos)
  "The text of the result shown on the line holding POS, or nil."
  (when-let ((ov (car (evalens--overlays-on-line pos))))
    (overlay-get ov 'evalens-text)))

(defun evalens-clear ()
  "Remove the results shown in this buffer."
  (interactive)
  (remove-overlays (point-min) (point-max) 'evalens t))

(provide 'evalens-results)
;;; evalens-results.el ends here
