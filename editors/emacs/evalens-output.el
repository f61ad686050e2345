;;; evalens-output.el --- The *evalens-output* buffer of evalens  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; What runs print streams into `*evalens-output*', each run under a
;; header line ("── eval main.py:3") written when it first has something to
;; show.  The server runs requests one at a time, in order, so streamed
;; output belongs to the oldest run not yet answered (`evalens--runs').  A
;; run's traceback, or a value too long for an overlay, goes there too, and
;; what it showed (evalens/display: images, tables; see evalens-display.el),
;; each bundle once: as its notification comes, and those of the Result's
;; `display' that none brought when the Result comes.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'evalens-display)

(defvar evalens-max-width)              ; evalens.el
(defvar evalens-show-output-on-image)   ; evalens.el

(defconst evalens-output-buffer-name "*evalens-output*")

(defvar evalens--runs nil
  "Runs sent and not yet answered, oldest first: (HEADER . WRITTEN).
The server runs them one at a time, in order, and streams a run's
output before answering it, so output belongs to the first.")

(defvar evalens--output-partial nil
  "Non-nil when the output buffer does not end with a newline.")

(defvar evalens--displays-shown (make-hash-table :test #'eq :weakness 'key)
  "How many bundles of each run of `evalens--runs' its notifications brought.
The Result's `display' lists them all, in the same order: those after
that many are shown when it comes.")

(defun evalens-output-buffer ()
  "The `*evalens-output*' buffer, created when needed."
  (or (get-buffer evalens-output-buffer-name)
      (with-current-buffer (get-buffer-create evalens-output-buffer-name)
        (setq buffer-undo-list t)
        (special-mode)
        (current-buffer))))

(defun evalens--output-write (write)
  "Call WRITE at the end of the output buffer; the windows showing it follow."
  (with-current-buffer (evalens-output-buffer)
    (let ((inhibit-read-only t)
          (windows (get-buffer-window-list (current-buffer) nil t)))
      (goto-char (point-max))
      (funcall write)
      (dolist (window windows)
        (set-window-point window (point-max))))))

(defun evalens--output-insert (text)
  (when (and text (not (string-empty-p text)))
    (evalens--output-write
     (lambda ()
       (insert text)
       (setq evalens--output-partial (not (string-suffix-p "\n" text)))))))

(defun evalens--output-bundle (run data metadata)
  "Show the MIME bundle DATA with METADATA on lines of its own, under RUN's header.
RUN nil: a bundle shown between runs, without a header.  An image shows
the output buffer first (`evalens-show-output-on-image'), so it is
scaled to the window it appears in."
  (evalens--write-header run)
  (when (and evalens-show-output-on-image (evalens-bundle-image-p data))
    (display-buffer (evalens-output-buffer)))
  (evalens--output-write
   (lambda ()
     (when evalens--output-partial (insert "\n"))
     (evalens-insert-bundle data metadata)
     (setq evalens--output-partial nil))))

(defun evalens--output-display (uri data metadata)
  "An evalens/display notification: the bundle DATA, METADATA shown by code.
With a URI it belongs to the oldest run not yet answered, counted so that
its Result does not show it again; without, to no run."
  (let ((run (and uri (car evalens--runs))))
    (when run
      (puthash run (1+ (gethash run evalens--displays-shown 0)) evalens--displays-shown))
    (evalens--output-bundle run data metadata)))

(defun evalens--displayed-p (display repr)
  "Non-nil when a bundle of DISPLAY (a Result's) has REPR as its text/plain.
A value with display methods: its bundle shows it, not its repr again."
  (cl-some (lambda (bundle) (equal (plist-get (plist-get bundle :data) :text/plain) repr))
           display))

(defun evalens--write-header (run)
  (when (and run (not (cdr run)))
    (when evalens--output-partial (evalens--output-insert "\n"))
    (evalens--output-insert (concat "── " (car run) "\n"))
    (setcdr run t)))

(defun evalens--output-append (text)
  "Append streamed TEXT, under the header of the oldest unfinished run."
  (when (and text (not (string-empty-p text)))
    (evalens--write-header (car evalens--runs))
    (evalens--output-insert text)))

(defun evalens--end-run (run result)
  "RUN ended with RESULT: its traceback or long value go to the output buffer.
So do the bundles of its `display' that no notification brought."
  (let* ((display (append (and (listp result) (plist-get result :display)) nil))
         (add (lambda (text)
               (evalens--write-header run)
               (when evalens--output-partial (evalens--output-insert "\n"))
               (evalens--output-insert text)))
         (err (and (listp result) (plist-get result :error)))
         (value (and (listp result) (plist-get result :value))))
    (dolist (bundle (nthcdr (gethash run evalens--displays-shown 0) display))
      (evalens--output-bundle run (plist-get bundle :data) (plist-get bundle :metadata)))
    (remhash run evalens--displays-shown)
    (cond ((and err (not (string-empty-p (or (plist-get err :traceback) ""))))
           (funcall add (plist-get err :traceback)))
          ((and value (let ((repr (or (plist-get value :repr) "")))
                        (and (or (> (length repr) evalens-max-width) (string-match-p "\n" repr))
                             (not (evalens--displayed-p display repr)))))
           (funcall add (concat (plist-get value :repr) "\n")))))
  (setq evalens--runs (delq run evalens--runs)))

(defun evalens-show-output ()
  "Show `*evalens-output*'."
  (interactive)
  (display-buffer (evalens-output-buffer)))

(provide 'evalens-output)
;;; evalens-output.el ends here
