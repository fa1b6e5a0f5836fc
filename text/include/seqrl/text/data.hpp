// Where the text tasks' data lives (SeqGAN's oracle, the COCO captions), in one place: every
// default data path in seqrl (the tasks, `seqrl fit`, `seqrl seqgan`, TextCoco-v0, the built-in
// suites) is data_path(...) of this folder.
#pragma once

#include <string>

namespace seqrl::text {

// $SEQRL_DATA_DIR when it is set and not empty, else "../shared/data" (relative to the working
// folder: the shared folder beside the project, when run from the project's root). Read on
// every call, so a default made after setenv follows it.
std::string data_dir();

// data_dir() + "/" + relative, e.g. data_path("coco/image_coco.txt").
std::string data_path(const std::string& relative);

// For an error about a file that could not be read: when `path` lies under data_dir(), a
// sentence saying where that folder came from (SEQRL_DATA_DIR, or the default relative to the
// working folder, named) and how to point it elsewhere; otherwise "".
std::string data_hint(const std::string& path);

}  // namespace seqrl::text
