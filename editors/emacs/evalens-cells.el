;;; evalens-cells.el --- Cells (# %%) of evalens: run them, move between them  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; A plain .py file split by `# %%' lines (also `#%%', `# In[ ]:', `# <codecell>';
;; `# %% [markdown]' for prose) runs cell by cell, as users of code-cells.el or
;; python-cell expect: the cell at point, the cells above it, it and the cells below,
;; or all of them (evalens.runCell), and point moves from marker to marker.
;;
;; Where the cells are is the server's answer (its document symbols of kind
;; Namespace), never a regexp here: a `# %%' inside a string is no marker, and the
;; `cellMarkers' setting is honoured, as the server honours them.
;;
;; As each cell ends the server sends evalens/cellDone: its result is shown at once,
;; as an overlay at the end of the cell's last line that is not blank, replacing what
;; that cell showed before; the answer completes them (a failing cell's error, the
;; run's traceback and long values in `*evalens-output*').  The markers of the cells
;; are remembered when the run is sent, so a result finds its cell after edits made
;; while it ran.  The server's cell lenses and code actions run the same way.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-server)
(require 'evalens-output)
(require 'evalens-results)
(require 'evalens-lenses)
(require 'evalens-run)

(declare-function evalens--command "evalens" (role))
(defvar evalens-max-width)              ; evalens.el

(defconst evalens--namespace-kind 3 "LSP SymbolKind of a namespace: the server's cells.")

(defconst evalens--cell-scopes
  '(("cell" "cell" "a markdown cell: nothing to run")
    ("above" "cells above" "no code cell above this one")
    ("below" "cells below" "no code cell from here down")
    ("all" "all cells" "no code cell in this buffer"))
  "The scopes of evalens.runCell: each one's header in `*evalens-output*',
and what is told when it ran nothing.")

;;; Where the cells are

(defun evalens--cells-in (symbols)
  "The cells in SYMBOLS, a documentSymbol answer, in line order.
Each is (LINE END NAME MARKDOWN): LINE the 0-based marker line, END the
cell's last line, NAME its title or \"Cell N\", MARKDOWN non-nil for prose."
  (let (cells)
    (dolist (symbol (append symbols nil))
      (when (eql (plist-get symbol :kind) evalens--namespace-kind)
        (let ((range (plist-get symbol :range)))
          (push (list (plist-get (plist-get range :start) :line)
                      (plist-get (plist-get range :end) :line)
                      (plist-get symbol :name)
                      (equal (plist-get symbol :detail) "markdown"))
                cells))))
    (sort cells (lambda (a b) (< (car a) (car b))))))

(defun evalens-cells ()
  "The cells of this buffer, as the server finds them (see `evalens--cells-in')."
  (let ((server (evalens--server)))
    (eglot--signal-textDocument/didChange)
    (evalens--cells-in
     (condition-case err
         (jsonrpc-request server :textDocument/documentSymbol
                          (list :textDocument (eglot--TextDocumentIdentifier)) :timeout 2)
       (error (user-error "evalens: the server did not say where the cells are: %s"
                          (error-message-string err)))))))

(defun evalens--cell-at (cells line)
  "The cell of CELLS holding 0-based LINE, or nil."
  (cl-find-if (lambda (cell) (<= (car cell) line (cadr cell))) cells))

(defun evalens--move-to-cell (count)
  "Move to the marker line COUNT cells down, or up when COUNT is negative.
Where there are fewer, to the last there is; where there is none, say so."
  (let* ((row (1- (line-number-at-pos nil t)))
         (markers (mapcar #'car (evalens-cells)))
         (ahead (if (> count 0)
                    (cl-remove-if-not (lambda (line) (> line row)) markers)
                  (nreverse (cl-remove-if-not (lambda (line) (< line row)) markers)))))
    (cond ((null markers) (message "evalens: no cells in this buffer: a # %%%% line starts one"))
          ((null ahead) (message (if (> count 0) "evalens: no cell below" "evalens: no cell above")))
          (t (goto-char (evalens--line-position
                         (current-buffer) (nth (min (1- (max 1 (abs count))) (1- (length ahead))) ahead)))))))

(defun evalens-next-cell (&optional count)
  "Move to the marker line of the next cell (COUNT cells down)."
  (interactive "p")
  (evalens--move-to-cell (or count 1)))

(defun evalens-previous-cell (&optional count)
  "Move to the marker line of the previous cell (COUNT cells up)."
  (interactive "p")
  (evalens--move-to-cell (- (or count 1))))

;;; Runs

(cl-defstruct (evalens--cell-run (:constructor evalens--make-cell-run)
                                 (:copier nil))
  "A run of cells sent and not yet answered."
  buffer uri anchors pending shown output)

(defvar evalens--cell-runs nil
  "Cell runs sent and not yet answered, oldest first.
The server runs requests one at a time, in order: an evalens/cellDone
belongs to the first run here of its document.")

(defun evalens--cell-place (run line end)
  "Where the result of the cell from LINE to END goes in RUN's buffer now.
LINE and END are as they were when RUN was sent; the cells' markers,
remembered then, find them after edits.  Return (START AT STOP): the
cell's start, the start of its last line that is not blank (its marker
line when all are) and the end of its last line."
  (save-excursion
    (save-restriction
      (widen)
      (let* ((anchors (evalens--cell-run-anchors run))
             (start (or (cdr (assq line anchors)) (evalens--line-position (current-buffer) line)))
             (next (cdr (assq (1+ end) anchors))))
        (if next
            (progn (goto-char next) (forward-line -1))
          (goto-char start)
          (forward-line (- end line)))
        (let ((stop (min (point-max) (1+ (line-end-position)))))
          (beginning-of-line)
          (while (and (> (point) start) (looking-at-p "[ \t]*$"))
            (forward-line -1))
          (list start (point) stop))))))

(defun evalens--show-cell (run line end result generation)
  "Show RESULT of the cell from LINE to END of RUN, replacing what the cell showed.
It is stale if it arrived in a GENERATION before the last."
  (let ((buffer (evalens--cell-run-buffer run)))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer
        (save-restriction
          (widen)
          (pcase-let ((`(,start ,at ,stop) (evalens--cell-place run line end)))
            (dolist (ov (overlays-in start stop))
              (when (overlay-get ov 'evalens-cell) (delete-overlay ov)))
            (overlay-put (evalens--show-result at result generation) 'evalens-cell t)))))))

(defun evalens--drop-pending (run)
  (when-let ((ov (evalens--cell-run-pending run)))
    (when (eq (overlay-get ov 'evalens-face) 'evalens-pending-face)
      (delete-overlay ov))
    (setf (evalens--cell-run-pending run) nil)))

(defun evalens--cell-done (run entry)
  "The cell of ENTRY of RUN ended: show its result.
ENTRY is an entry of the answer's `cells', as evalens/cellDone gives it."
  (evalens--drop-pending run)
  (let ((generation (evalens--arrived entry)))
    (push (cons (plist-get entry :line) generation) (evalens--cell-run-shown run))
    (evalens--show-cell run (plist-get entry :line) (plist-get entry :end) entry generation)))

(cl-defmethod eglot-handle-notification
  ((_server evalens-server) (_method (eql evalens/cellDone)) &rest entry &key uri &allow-other-keys)
  "A cell ended: show its result now, while the cells after it run."
  (let ((run (cl-find uri evalens--cell-runs :key #'evalens--cell-run-uri :test #'equal))
        (buffer (find-buffer-visiting (eglot--uri-to-path uri))))
    (when (or run buffer)
      (evalens--cell-done (or run (evalens--make-cell-run :buffer buffer :uri uri)) entry))))

(defun evalens--cells-output (run result cells)
  "Write what RUN's answer RESULT, which ran CELLS, leaves for `*evalens-output*'.
After one cell, as after any run; after several, each value too long for
an overlay (and not shown by its cell's display) under the line of its
cell, then the traceback."
  (let ((output (evalens--cell-run-output run)))
    (if (null (cdr cells))
        (evalens--end-run output result)
      (dolist (entry cells)
        (let ((repr (plist-get (plist-get entry :value) :repr)))
          (when (and repr (or (> (length repr) evalens-max-width) (string-match-p "\n" repr))
                     (not (evalens--displayed-p (plist-get entry :display) repr)))
            (evalens--write-header output)
            (when evalens--output-partial (evalens--output-insert "\n"))
            (evalens--output-insert (format "cell at line %d ⇒ %s\n" (1+ (plist-get entry :line)) repr)))))
      ;; The answer's `display' is its last cell's: what the run showed is every cell's.
      (evalens--end-run output (list :ok (plist-get result :ok) :error (plist-get result :error)
                                     :display (apply #'vconcat (mapcar (lambda (entry) (plist-get entry :display))
                                                                       cells)))))))

(defun evalens--cell-answered (run result nothing)
  "RUN was answered with RESULT; NOTHING is told when it ran no cell."
  (setq evalens-last-result result
        evalens--cell-runs (delq run evalens--cell-runs))
  (evalens--drop-pending run)
  (let* ((cells (append (plist-get result :cells) nil))
         (last (car (last cells))))
    (evalens--cells-output run result cells)
    ;; Every cell again, as the answer has them (a cellDone missed is shown too); the
    ;; last one ran with the Result, whose error is the failing cell's.
    (dolist (entry cells)
      (let ((seen (assq (plist-get entry :line) (evalens--cell-run-shown run))))
        (evalens--show-cell run (plist-get entry :line) (plist-get entry :end)
                            (if (eq entry last) result entry)
                            (if seen (cdr seen) (evalens--arrived entry)))))
    (unless cells (message "evalens: %s" nothing)))
  (evalens--drop-anchors run)
  (when (buffer-live-p (evalens--cell-run-buffer run))
    (with-current-buffer (evalens--cell-run-buffer run) (evalens-refresh-lenses))))

(defun evalens--drop-anchors (run)
  (dolist (anchor (evalens--cell-run-anchors run))
    (set-marker (cdr anchor) nil))
  (setf (evalens--cell-run-anchors run) nil))

(defun evalens--cell-error-text (err line)
  "The message for ERR, the server's refusal of a run from 0-based LINE."
  (let ((data (plist-get err :data)))
    (if (not (equal (plist-get data :reason) "noCell"))
        (evalens-error-text err)
      (let ((cells (append (plist-get data :cells) nil)))
        (if cells
            (format "evalens: line %d is in no cell; the first cell starts at line %d"
                    (1+ line) (1+ (car cells)))
          "evalens: no cells in this buffer: a # %% line starts one")))))

(defun evalens--first-to-run (cells chosen scope)
  "The first code cell of CELLS that SCOPE runs from CHOSEN, or nil."
  (cl-find-if (lambda (cell)
                (and (not (nth 3 cell))
                     (pcase scope
                       ("cell" (eq cell chosen))
                       ("above" (< (car cell) (car chosen)))
                       ("below" (>= (car cell) (car chosen)))
                       (_ t))))
              cells))

(defun evalens--run-cells (scope &optional line)
  "Run the cells SCOPE names (\"cell\", \"above\", \"below\", \"all\").
From the cell holding 0-based LINE, by default point's; \"all\" runs
every code cell wherever point is.  Each cell's result is shown as it
ends, output goes to `*evalens-output*'."
  (evalens--server)                     ; a server that runs, or nothing is shown
  (let* ((buffer (current-buffer))
         (cells (ignore-errors (evalens-cells)))
         (line (or line (1- (line-number-at-pos nil t))))
         (line (if (and (equal scope "all") cells) (caar cells) line))
         (chosen (evalens--cell-at cells line))
         (first (and chosen (evalens--first-to-run cells chosen scope)))
         (names (cdr (assoc scope evalens--cell-scopes)))
         (run (evalens--make-cell-run
               :buffer buffer :uri (evalens--uri)
               :anchors (mapcar (lambda (cell)
                                  (cons (car cell) (copy-marker (evalens--line-position buffer (car cell)))))
                                cells)
               :output (cons (format "%s %s:%d" (car names) (buffer-name) (1+ line)) nil))))
    (when first
      (let ((at (nth 1 (evalens--cell-place run (car first) (cadr first)))))
        (setf (evalens--cell-run-pending run) (evalens--show at "⋯" 'evalens-pending-face))
        (overlay-put (evalens--cell-run-pending run) 'evalens-cell t)))
    (setq evalens--cell-runs (append evalens--cell-runs (list run))
          evalens--runs (append evalens--runs (list (evalens--cell-run-output run))))
    (evalens-execute
     (evalens--command 'run-cell) (list :uri (evalens--cell-run-uri run) :line line :scope scope)
     (lambda (result) (evalens--cell-answered run result (cadr names)))
     (lambda (err)
       (setq evalens--cell-runs (delq run evalens--cell-runs))
       (evalens--drop-pending run)
       (evalens--drop-anchors run)
       (evalens--end-run (evalens--cell-run-output run) nil)
       (message "%s" (evalens--cell-error-text err line))))))

(defun evalens-run-cell ()
  "Run the cell at point; its value is shown at the end of its last line."
  (interactive)
  (evalens--run-cells "cell"))

(defun evalens-run-cells-above ()
  "Run every code cell above the one at point, in order, stopping at a failure."
  (interactive)
  (evalens--run-cells "above"))

(defun evalens-run-cell-and-below ()
  "Run the cell at point and every code cell below it, stopping at a failure."
  (interactive)
  (evalens--run-cells "below"))

(defun evalens-run-all-cells ()
  "Run every code cell of the buffer, in order, stopping at a failure."
  (interactive)
  (evalens--run-cells "all"))

;; The cell lenses and code actions run as the cell commands do, so their results are shown.
(evalens--define-client-command 'run-cell
  (lambda (argument)
    (evalens--run-cells (or (plist-get argument :scope) "cell") (plist-get argument :line))))

(provide 'evalens-cells)
;;; evalens-cells.el ends here
